import type { TicketEvent, TicketType } from '../src/correlation/tickets.js';
import { connectorFor } from '../src/modules/helpdesk/connectors/connectors.js';
import type { ExternalTicket } from '../src/modules/helpdesk/connectors/connector.js';
import { DeliveryRefused } from '../src/modules/helpdesk/delivery-metrics.js';
import type { HelpdeskTarget } from '../src/modules/helpdesk/helpdesk-config.js';
import { recorded, RecordedHelpdesk, type Exchange, type Received } from './support/recorded-helpdesk.js';

// ServiceNow's Table API and Jira Service Management's REST API as their public documentation
// records them (test/fixtures/helpdesk/, each exchange with its source): what corral sends is the
// request the vendor documents, in the order an incident's life needs, and every documented error
// answer becomes a refusal the outbox retries with the helpdesk's own words and its Retry-After.

const INCIDENT = '7f3c2a9e-4b1d-4c2e-9a8f-1e2d3c4b5a6f';

function ticketEvent(type: TicketType, overrides: Partial<TicketEvent> = {}): TicketEvent {
  return {
    eventKey: `${INCIDENT}:1`,
    type,
    incident: {
      id: INCIDENT,
      signature: 'mirth|~degraded|*',
      title: 'ADT-OUT not acknowledged for 15 minutes',
      status: type === 'ticket.resolved' ? 'resolved' : 'open',
      severity: 'high',
      priority: 'P2',
      queue: 'integration',
      routingRuleId: 'route.interfaces@2',
      system: 'mirth',
      facilities: ['ashgrove'],
      departments: [],
      firstSeen: '2026-12-06T07:00:00.000Z',
      lastSeen: '2026-12-06T07:15:00.000Z',
      childCount: 42,
      distinctRequesters: 3,
      patientImpact: true,
      correlationId: 'c-1',
      parentId: null,
      context: null,
    },
    children: [],
    notify: [],
    details: {},
    at: '2026-12-06T07:15:00.000Z',
    ...overrides,
  };
}

/** A report relayed from the helpdesk itself, carrying its ticket there. */
const fromHelpdesk = (name: string, key: string) => ({ id: `ev-${key}`, kind: 'report', source: { type: 'helpdesk', system: name }, occurredAt: '2026-12-06T07:05:00.000Z', status: 'firing', helpdeskTicket: key });

/** The documented request's fields are all in what corral sent. */
function sentAsDocumented(received: Received | undefined, exchange: Exchange): void {
  expect(received?.method).toBe(exchange.request.method);
  const documented = exchange.request.body;
  if (documented && typeof documented === 'object') expect(Object.keys(received?.body as object)).toEqual(expect.arrayContaining(Object.keys(documented)));
}

async function refusal(run: () => Promise<unknown>): Promise<DeliveryRefused> {
  try {
    await run();
  } catch (error) {
    if (error instanceof DeliveryRefused) return error;
    throw error;
  }
  throw new Error('expected the helpdesk to refuse');
}

let helpdesk: RecordedHelpdesk;

beforeEach(async () => {
  helpdesk = await RecordedHelpdesk.start();
});

afterEach(async () => {
  expect(helpdesk.unexpected.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  await helpdesk.close();
});

describe('ServiceNow Table API connector', () => {
  const target = (): HelpdeskTarget => ({ name: 'servicenow', kind: 'servicenow', url: helpdesk.url, token: 'example-not-a-secret', user: 'svc_helpdesk', queues: ['*'], queueMap: { integration: 'Integration' }, timeoutMs: 5000, maxAttempts: 5 });
  const sysId = 'c537bae64f411200adf9f8e18110c76e';
  const known: ExternalTicket = { externalId: sysId, url: '' };

  it('opens one incident in the mapped assignment group with a findable marker, and makes a report’s own incident its child', async () => {
    const created = recorded('servicenow', 'create-incident');
    helpdesk
      .expect('GET', /^\/api\/now\/table\/incident\?sysparm_query=correlation_id/, recorded('servicenow', 'find-none'))
      .expect('GET', /^\/api\/now\/table\/sys_user_group\?/, recorded('servicenow', 'find-group'))
      .expect('POST', /^\/api\/now\/table\/incident$/, created)
      .expect('GET', /^\/api\/now\/table\/incident\?sysparm_query=number%3DINC0010003/, recorded('servicenow', 'find-by-number'), () => ({ result: [{ sys_id: '3a1f9c7e4f9e8210b5d6c7e8f9a0b1c2', number: 'INC0010003' }] }))
      .expect('PATCH', /^\/api\/now\/table\/incident\/3a1f9c7e4f9e8210b5d6c7e8f9a0b1c2$/, recorded('servicenow', 'set-parent'));

    const opened = ticketEvent('ticket.opened', { children: [fromHelpdesk('servicenow', 'INC0010003'), fromHelpdesk('rt', '4711')] });
    const ticket = await connectorFor(target()).apply(opened, undefined, false);

    expect(ticket).toEqual({ externalId: sysId, url: `${helpdesk.url}/nav_to.do?uri=incident.do?sys_id=${sysId}` });
    const [find, group, create, , adopt] = helpdesk.received;
    expect(new URL(find?.path ?? '', helpdesk.url).searchParams.get('sysparm_query')).toBe(`correlation_id=corral:${INCIDENT}^stateNOT IN6,7,8`);
    expect(new URL(group?.path ?? '', helpdesk.url).searchParams.get('sysparm_query')).toBe('name=Integration');
    sentAsDocumented(create, created);
    expect(create?.headers.authorization).toBe(`Basic ${Buffer.from('svc_helpdesk:example-not-a-secret').toString('base64')}`);
    expect(create?.body).toMatchObject({ assignment_group: '8a4dde73c6112278017a6a4baf547aa7', urgency: '1', impact: '2', correlation_id: `corral:${INCIDENT}`, short_description: '[P2] mirth: ADT-OUT not acknowledged for 15 minutes' });
    // Only the report from this ServiceNow is adopted; RT's ticket number means nothing here.
    expect(adopt?.body).toEqual({ parent_incident: sysId });
    expect(helpdesk.pending).toEqual([]);
  });

  it('writes updates as work notes, resolves with a close code and notes, reopens to In Progress, and tells an agent’s own resolve nothing back', async () => {
    const connector = connectorFor(target());
    helpdesk.expect('PATCH', new RegExp(`/incident/${sysId}$`), recorded('servicenow', 'work-note'));
    await connector.apply(ticketEvent('ticket.updated', { details: { acknowledgedBy: 'agent:kim' } }), known, false);
    sentAsDocumented(helpdesk.received.at(-1), recorded('servicenow', 'work-note'));

    helpdesk.expect('PATCH', new RegExp(`/incident/${sysId}$`), recorded('servicenow', 'resolve'));
    await connector.apply(ticketEvent('ticket.resolved', { details: { note: 'ADT-OUT redeployed; ACKs flowing', change: 'CHG0042123' } }), known, false);
    const resolve = helpdesk.received.at(-1);
    sentAsDocumented(resolve, recorded('servicenow', 'resolve'));
    expect(resolve?.body).toMatchObject({ state: '6', close_code: 'Solution provided' });
    expect((resolve?.body as { close_notes: string }).close_notes).toMatch(/ADT-OUT redeployed; ACKs flowing\nChange: CHG0042123/);

    helpdesk.expect('PATCH', new RegExp(`/incident/${sysId}$`), recorded('servicenow', 'reopen'));
    await connector.apply(ticketEvent('ticket.reopened'), known, false);
    expect(helpdesk.received.at(-1)?.body).toMatchObject({ state: '2' });

    // Resolved in ServiceNow by its agent: its own parent/child sync resolves the children.
    const before = helpdesk.received.length;
    await connector.apply(ticketEvent('ticket.resolved', { details: { origin: 'helpdesk:servicenow' } }), known, true);
    expect(helpdesk.received).toHaveLength(before);
  });

  it('still opens the incident when the instance refuses a field, and says so in a work note', async () => {
    helpdesk
      .expect('GET', /^\/api\/now\/table\/incident\?/, recorded('servicenow', 'find-none'))
      .expect('GET', /^\/api\/now\/table\/sys_user_group\?/, recorded('servicenow', 'find-group'))
      .expect('POST', /^\/api\/now\/table\/incident$/, recorded('servicenow', 'error-400'))
      .expect('POST', /^\/api\/now\/table\/incident$/, recorded('servicenow', 'create-incident'));
    const ticket = await connectorFor(target()).apply(ticketEvent('ticket.opened'), undefined, false);
    expect(ticket?.externalId).toBe(sysId);
    const retry = helpdesk.received.at(-1)?.body as Record<string, string>;
    expect(retry.assignment_group).toBeUndefined();
    expect(retry.work_notes).toMatch(/could not set assignment group "Integration".*Exception while reading request/);
  });

  it.each([
    ['error-401', 401, /User Not Authenticated; Required to provide Auth information/],
    ['error-403', 403, /User Not Authorized; Failed API level ACL Validation/],
    ['error-404', 404, /No Record found/],
    ['error-500', 500, /Exception while executing request/],
  ])('refuses with the helpdesk’s own words on %s, for the outbox to retry or dead-letter', async (name, status, said) => {
    helpdesk.expect('PATCH', /\/incident\//, recorded('servicenow', name));
    const refused = await refusal(() => connectorFor(target()).apply(ticketEvent('ticket.updated'), known, false));
    expect(refused.status).toBe(status);
    expect(refused.message).toMatch(said);
    expect(refused.message).toMatch(/^HTTP \d+ from helpdesk:servicenow: /);
  });

  it('waits as long as a rate limit asks', async () => {
    helpdesk.expect('PATCH', /\/incident\//, recorded('servicenow', 'error-429'));
    const refused = await refusal(() => connectorFor(target()).apply(ticketEvent('ticket.updated'), known, false));
    expect([refused.status, refused.retryAfterMs]).toEqual([429, 1412_000]);
  });
});

describe('Jira Service Management connector', () => {
  const target = (): HelpdeskTarget => ({
    name: 'jsm',
    kind: 'jsm',
    url: helpdesk.url,
    token: 'EXAMPLE_API_TOKEN',
    user: 'helpdesk-bot@example.com',
    serviceDesk: '10',
    requestType: '25',
    queues: ['*'],
    queueMap: { integration: '31' },
    timeoutMs: 5000,
    maxAttempts: 5,
  });
  const known: ExternalTicket = { externalId: 'HELPDESK-1', url: '' };

  it('opens one request of the mapped request type with its marker, and links the requests reports came from', async () => {
    const created = recorded('jsm', 'create-request');
    helpdesk
      .expect('GET', /^\/rest\/api\/3\/search\/jql\?/, recorded('jsm', 'search-none'))
      .expect('POST', /^\/rest\/servicedeskapi\/request$/, created)
      .expect('POST', /^\/rest\/api\/3\/issueLink$/, recorded('jsm', 'issue-link'));
    const ticket = await connectorFor(target()).apply(ticketEvent('ticket.opened', { children: [fromHelpdesk('jsm', 'HELPDESK-2'), fromHelpdesk('jsm', 'not a key')] }), undefined, false);

    expect(ticket).toEqual({ externalId: 'HELPDESK-1', url: `${helpdesk.url}/browse/HELPDESK-1` });
    const [search, create, link] = helpdesk.received;
    expect(new URL(search?.path ?? '', helpdesk.url).searchParams.get('jql')).toBe(`summary ~ "\\"corral:${INCIDENT}\\"" AND statusCategory != Done ORDER BY created ASC`);
    sentAsDocumented(create, created);
    expect(create?.headers.authorization).toBe(`Basic ${Buffer.from('helpdesk-bot@example.com:EXAMPLE_API_TOKEN').toString('base64')}`);
    expect(create?.body).toMatchObject({ serviceDeskId: '10', requestTypeId: '31' });
    expect((create?.body as { requestFieldValues: { summary: string } }).requestFieldValues.summary).toMatch(new RegExp(`\\(corral:${INCIDENT}\\)$`));
    sentAsDocumented(link, recorded('jsm', 'issue-link'));
    expect(link?.body).toEqual({ type: { name: 'Relates' }, inwardIssue: { key: 'HELPDESK-2' }, outwardIssue: { key: 'HELPDESK-1' } });
  });

  it('finds a request whose create answer was lost instead of making a second', async () => {
    helpdesk.expect('GET', /^\/rest\/api\/3\/search\/jql\?/, recorded('jsm', 'search'), (_r, body) => {
      const found = body as { issues: Array<{ fields: { summary: string } }> };
      found.issues[0].fields.summary = `[P2] mirth: ADT-OUT not acknowledged (corral:${INCIDENT})`;
      return found;
    });
    expect(await connectorFor(target()).apply(ticketEvent('ticket.opened'), undefined, false)).toMatchObject({ externalId: 'HELPDESK-1' });
  });

  it('comments updates internally; resolves through the workflow’s own transition into Done, then every linked request still open, with a reply its requester sees', async () => {
    const connector = connectorFor(target());
    helpdesk.expect('POST', /\/request\/HELPDESK-1\/comment$/, recorded('jsm', 'comment'));
    await connector.apply(ticketEvent('ticket.updated'), known, false);
    sentAsDocumented(helpdesk.received.at(-1), recorded('jsm', 'comment'));
    expect(helpdesk.received.at(-1)?.body).toMatchObject({ public: false });

    helpdesk
      .expect('POST', /\/request\/HELPDESK-1\/comment$/, recorded('jsm', 'comment'))
      .expect('GET', /\/issue\/HELPDESK-1\/transitions$/, recorded('jsm', 'platform-transitions'))
      .expect('POST', /\/issue\/HELPDESK-1\/transitions$/, recorded('jsm', 'platform-perform-transition'))
      .expect('GET', /\/issue\/HELPDESK-1\?fields=issuelinks$/, recorded('jsm', 'issue-links'))
      .expect('POST', /\/request\/HELPDESK-2\/comment$/, recorded('jsm', 'comment'))
      .expect('GET', /\/issue\/HELPDESK-2\/transitions$/, recorded('jsm', 'platform-transitions'))
      .expect('POST', /\/issue\/HELPDESK-2\/transitions$/, recorded('jsm', 'platform-perform-transition'));
    const before = helpdesk.received.length;
    await connector.apply(ticketEvent('ticket.resolved', { details: { note: 'Mirth heap raised; channels redeployed', change: 'CHG0042123' } }), known, false);
    const calls = helpdesk.received.slice(before);
    // "Resolve this issue" rather than "Cancel request", though both lead to Done.
    expect(calls[2]?.body).toEqual({ transition: { id: '901' } });
    // HELPDESK-3 is done already and HELPDESK-10 is linked by another type: left alone.
    expect(calls.map((c) => `${c.method} ${c.path}`).filter((c) => /HELPDESK-(3|10)\b/.test(c))).toEqual([]);
    expect(calls[4]?.body).toMatchObject({ public: true });
    expect((calls[4]?.body as { body: string }).body).toMatch(/This is resolved[\s\S]*Mirth heap raised; channels redeployed[\s\S]*Change: CHG0042123/);
    expect(helpdesk.pending).toEqual([]);
  });

  it('after an agent resolved it in Jira, resolves only the linked requests', async () => {
    helpdesk
      .expect('GET', /\/issue\/HELPDESK-1\?fields=issuelinks$/, recorded('jsm', 'issue-links'))
      .expect('POST', /\/request\/HELPDESK-2\/comment$/, recorded('jsm', 'comment'))
      .expect('GET', /\/issue\/HELPDESK-2\/transitions$/, recorded('jsm', 'platform-transitions'))
      .expect('POST', /\/issue\/HELPDESK-2\/transitions$/, recorded('jsm', 'platform-perform-transition'));
    await connectorFor(target()).apply(ticketEvent('ticket.resolved', { details: { origin: 'helpdesk:jsm' } }), known, true);
    expect(helpdesk.received.map((r) => r.path).some((p) => p.includes('HELPDESK-1/comment') || p.includes('HELPDESK-1/transitions'))).toBe(false);
    expect(helpdesk.pending).toEqual([]);
  });

  it('opens the request as the default type when the mapped one is refused, and says so', async () => {
    helpdesk
      .expect('GET', /^\/rest\/api\/3\/search\/jql\?/, recorded('jsm', 'search-none'))
      .expect('POST', /^\/rest\/servicedeskapi\/request$/, recorded('jsm', 'error-400'))
      .expect('POST', /^\/rest\/servicedeskapi\/request$/, recorded('jsm', 'create-request'))
      .expect('POST', /\/request\/HELPDESK-1\/comment$/, recorded('jsm', 'comment'));
    await connectorFor(target()).apply(ticketEvent('ticket.opened'), undefined, false);
    const [, first, second, note] = helpdesk.received;
    expect([(first?.body as { requestTypeId: string }).requestTypeId, (second?.body as { requestTypeId: string }).requestTypeId]).toEqual(['31', '25']);
    expect((note?.body as { body: string }).body).toMatch(/request type 31 .*What do you need\? is required/);
  });

  it.each([
    ['error-401', 401, /Client must be authenticated/],
    ['error-403', 403, /You do not have permission to add internal comments/],
    ['error-500', 500, /An internal error occurred/],
  ])('refuses with Jira’s own words on %s', async (name, status, said) => {
    helpdesk.expect('POST', /\/comment$/, recorded('jsm', name));
    const refused = await refusal(() => connectorFor(target()).apply(ticketEvent('ticket.updated'), known, false));
    expect([refused.status, said.test(refused.message)]).toEqual([status, true]);
  });

  it('reads the platform API’s error shape, and a rate limit’s Retry-After', async () => {
    helpdesk.expect('POST', /\/issueLink$/, recorded('jsm', 'error-404-platform'));
    const unlinked = await refusal(() => connectorFor(target()).apply(ticketEvent('ticket.updated', { children: [fromHelpdesk('jsm', 'HELPDESK-999')] }), known, false));
    expect([unlinked.status, unlinked.message]).toEqual([404, 'HTTP 404 from helpdesk:jsm: Issue Does Not Exist']);

    helpdesk.expect('POST', /\/comment$/, recorded('jsm', 'error-429'));
    const limited = await refusal(() => connectorFor(target()).apply(ticketEvent('ticket.updated'), known, false));
    expect([limited.status, limited.retryAfterMs]).toEqual([429, 5000]);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clockAt, drainOutbox, startClockedCorral, stopClockedCorral, type ClockedCorral } from './support/clocked-corral.js';
import { canonical, eventually, getJson, postJson } from './support/harness.js';
import { TestRt } from './support/rt.js';
import { HelpdeskPoller } from '../src/modules/incidents/helpdesk-poller.js';

// corral writing into a real Request Tracker 5 (Debian's, started here on a loopback port) through
// REST2 with an auth token: a storm is one RT ticket in the RT queue its corral queue maps to,
// updates are comments on it, a resolve in corral resolves it, and while RT is down nothing is lost
// or reordered.

type Harness = ClockedCorral;

let rt: TestRt;
let h: Harness | undefined;

beforeAll(async () => {
  rt = await TestRt.start(['Integration']);
}, 120_000);

afterAll(async () => {
  await rt?.close();
});

afterEach(async () => {
  await stopClockedCorral(h);
  h = undefined;
});

async function start(extra = ''): Promise<Harness> {
  const file = join(mkdtempSync(join(tmpdir(), 'corral-rt-helpdesk-')), 'helpdesk.yaml');
  writeFileSync(
    file,
    [
      'helpdesks:',
      `  - { name: rt, kind: rt, url: "${rt.url}", tokenEnv: CORRAL_TEST_RT_TOKEN, queues: ["*"], queueMap: { integration: Integration, "*": General }, timeout: 10s, maxAttempts: 100${extra} }`,
      'relay: { backoffBase: 20ms, backoffMax: 200ms }',
    ].join('\n'),
  );
  return startClockedCorral({ CORRAL_HELPDESK_FILE: file, CORRAL_TEST_RT_TOKEN: rt.token });
}

const at = async (minute: number) => (h ? clockAt(h, minute) : undefined);
const drain = async () => (h ? drainOutbox(h) : undefined);

/** A clinician's own RT ticket, relayed to corral as a report from that helpdesk (its Scrip or mail gateway does this). */
async function reportFromRt(subject: string): Promise<string> {
  const made = await rt.request<{ id: string | number }>('POST', '/ticket', { Queue: 'General', Subject: subject, Content: subject, ContentType: 'text/plain', Requestor: 'ward.4w@lakeside.example' });
  const id = String(made.id);
  await postJson(`${h?.corral.baseUrl}/v1/ingest/helpdesk?wait=correlated`, { id, helpdesk: 'rt', channel: 'portal', text: subject, requester: 'ward.4w@lakeside.example', system: 'rhapsody', facility: 'lakeside' });
  return id;
}

/** The RT ticket ids of a ticket's members. */
async function membersOf(id: string): Promise<string[]> {
  const t = await rt.request<{ _hyperlinks: Array<{ ref: string; id?: string | number }> }>('GET', `/ticket/${id}`);
  return t._hyperlinks.flatMap((link) => (link.ref === 'child' && link.id !== undefined ? [String(link.id)] : [])).sort();
}

// A test's own engine where it needs one: incident ids follow the signature (an engine's outage at
// every site) and the manual clock, and RT, with the tickets it found again, outlives one test's corral.
const nack = (n: number, engine = 'rhapsody') => canonical({ id: `nack-${n}`, kind: 'interface', source: { type: 'hl7', system: engine }, system: engine, facility: 'lakeside', errorSignature: 'AE HL70357:207', symptom: 'Route LAB_ORU_IN: code translation lookup unavailable', severity: 'high' });

describe('helpdesk: Request Tracker 5 through REST2', () => {
  it('makes a 300-event storm one RT ticket in the mapped queue, comments its updates and resolves it with the incident, once, in order, also across an RT outage', async () => {
    h = await start();
    const before = (await rt.tickets()).length;
    // Amid the NACKs, a ward opens a ticket of its own in RT about the missing lab results.
    let early = '';
    for (let batch = 0; batch < 3; batch++) {
      await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, Array.from({ length: 100 }, (_, i) => nack(batch * 100 + i)));
      if (batch === 0) early = await reportFromRt('Lab results not crossing into the chart on 4 West');
    }
    await at(1);
    await drain();

    const { body: list } = await getJson<{ items: Array<{ id: string; queue: string; childCount: number }> }>(`${h.corral.baseUrl}/v1/incidents`);
    expect(list.items).toHaveLength(1);
    const incident = list.items[0];
    expect([incident.queue, incident.childCount]).toEqual(['integration', 301]);
    let tickets = (await rt.tickets()).slice(before).filter((t) => t.Subject.includes('corral:'));
    expect(tickets).toHaveLength(1);
    const ticket = tickets[0];
    expect(ticket.Queue).toBe('Integration');
    expect(ticket.Subject).toContain(`corral:${incident.id}`);
    // The API shows the helpdesk's own ticket number, and where to open it.
    const { body: detail } = await getJson<{ helpdeskTickets: Array<{ destination: string; id: string; url: string }> }>(`${h.corral.baseUrl}/v1/incidents/${incident.id}`);
    expect(detail.helpdeskTickets).toEqual([{ destination: 'helpdesk:rt', id: ticket.id, url: `${rt.url}/Ticket/Display.html?id=${ticket.id}` }]);

    // The ward's own ticket is a member of the incident's.
    expect(await membersOf(ticket.id)).toEqual([early]);

    // More NACKs and two more wards' tickets: an update, which RT gets as a comment on the same
    // ticket, with the new reports' tickets linked to it.
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, Array.from({ length: 20 }, (_, i) => nack(300 + i)));
    const later = [await reportFromRt('Troponin results missing in Epic, ED'), await reportFromRt('No lab results since 7, ICU')];
    await at(2);
    await drain();
    expect(await rt.history(ticket.id, 'Comment')).toHaveLength(1);
    expect(await membersOf(ticket.id)).toEqual([early, ...later].sort());

    // RT goes down; corral goes on: more NACKs, and the engine team resolves in corral.
    await rt.stop();
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, Array.from({ length: 5 }, (_, i) => nack(320 + i)));
    await at(3);
    const { status: resolvedStatus } = await postJson(`${h.corral.baseUrl}/v1/incidents/${incident.id}/resolve`, { by: 'agent:kim', note: 'LabCodeXref back after failover', change: 'CHG0042123' });
    expect(resolvedStatus).toBe(200);
    await h.relay.pass();
    await h.relay.pass();
    expect(await h.relay.depth()).toBeGreaterThan(0);

    await rt.restart();
    await drain();
    tickets = (await rt.tickets()).slice(before).filter((t) => t.Subject.includes('corral:'));
    expect(tickets).toHaveLength(1);
    expect(tickets[0]?.Status).toBe('resolved');
    // Every ward hears it from its own ticket: a reply with what fixed it, then resolved.
    for (const member of [early, ...later]) {
      expect((await rt.tickets()).find((t) => t.id === member)?.Status).toBe('resolved');
      expect(await rt.history(member, 'Correspond')).toHaveLength(1);
    }
    // The update and the resolve, each once and in order: three comments in all, then the status.
    expect(await rt.history(ticket.id, 'Comment')).toHaveLength(3);
    // The last comment says what the agent said and which change fixed it.
    expect(await rt.lastComment(ticket.id)).toMatch(/note: LabCodeXref back after failover[\s\S]*change: CHG0042123/);
    const statuses = await rt.history(ticket.id, 'Status');
    expect(statuses.map((s) => s.NewValue)).toEqual(['resolved']);
  }, 180_000);

  it('takes a resolve and a reopen made in RT back through the incident, once, audited, and tells RT nothing back', async () => {
    h = await start();
    const { key } = await h.corral.mintKey('agent', { label: 'rt-scrip' });
    await rt.addCallbackScrip(`${h.corral.baseUrl}/v1/helpdesks/rt/ticket-events`, key);
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, Array.from({ length: 10 }, (_, i) => nack(1000 + i)));
    await at(1);
    await drain();
    const member = await reportFromRt('Lab interface down? nothing resulting on 2 North');
    await at(2);
    await drain();
    const { body: list } = await getJson<{ items: Array<{ id: string }> }>(`${h.corral.baseUrl}/v1/incidents`);
    expect(list.items).toHaveLength(1);
    const incidentId = list.items[0]?.id;
    const { body: detail } = await getJson<{ helpdeskTickets: Array<{ id: string }> }>(`${h.corral.baseUrl}/v1/incidents/${incidentId}`);
    const ticketId = detail.helpdeskTickets[0]?.id;

    const comments = (await rt.history(ticketId, 'Comment')).length;
    // An agent resolves the ticket in RT: its Scrip calls corral, which resolves the incident.
    await rt.request('PUT', `/ticket/${ticketId}`, { Status: 'resolved' });
    const resolved = await eventually(
      async () => (await getJson<{ status: string }>(`${h?.corral.baseUrl}/v1/incidents/${incidentId}`)).body.status,
      (status) => status === 'resolved',
    );
    expect(resolved).toBe('resolved');
    await drain();
    // Nothing was told back: no comment, and RT's status changed once, by the agent. What RT does
    // not do by itself was done: the ward's ticket, a member, resolved with a reply.
    expect(await rt.history(ticketId, 'Comment')).toHaveLength(comments);
    expect((await rt.history(ticketId, 'Status')).map((s) => s.NewValue)).toEqual(['resolved']);
    expect(await membersOf(ticketId)).toEqual([member]);
    expect((await rt.tickets()).find((t) => t.id === member)?.Status).toBe('resolved');
    expect(await rt.history(member, 'Correspond')).toHaveLength(1);
    // Journaled as the key for the RT account, once.
    const { body: timeline } = await getJson<{ items: Array<{ kind: string; data: Record<string, unknown> }> }>(`${h.corral.baseUrl}/v1/incidents/${incidentId}/timeline`);
    const resolves = timeline.items.filter((e) => e.kind === 'incident.resolved');
    expect(resolves).toHaveLength(1);
    expect(resolves[0]?.data).toMatchObject({ by: 'rt-scrip for rt:root', origin: 'helpdesk:rt' });

    // Reopened in RT: reopened in corral, and again not echoed.
    await rt.request('PUT', `/ticket/${ticketId}`, { Status: 'open' });
    await eventually(
      async () => (await getJson<{ status: string }>(`${h?.corral.baseUrl}/v1/incidents/${incidentId}`)).body.status,
      (status) => status === 'open',
    );
    await drain();
    expect(await rt.history(ticketId, 'Comment')).toHaveLength(comments);
    // A ticket corral never made is refused, naming it.
    const { status } = await postJson(`${h.corral.baseUrl}/v1/helpdesks/rt/ticket-events`, { ticket: '999999', status: 'resolved' }, { key });
    expect(status).toBe(404);
  }, 180_000);

  it('asks RT where no Scrip may call back: an agent’s resolve and reopen there reach the incident once, and corral’s own resolve on its way is not mistaken for a reopen', async () => {
    h = await start(', poll: 10m');
    const poller = h.corral.app.get(HelpdeskPoller);
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, Array.from({ length: 10 }, (_, i) => nack(2000 + i, 'corepoint')));
    await at(1);
    await drain();
    const { body: list } = await getJson<{ items: Array<{ id: string }> }>(`${h.corral.baseUrl}/v1/incidents`);
    const incidentId = list.items[0]?.id;
    const { body: detail } = await getJson<{ helpdeskTickets: Array<{ id: string }> }>(`${h.corral.baseUrl}/v1/incidents/${incidentId}`);
    const ticketId = detail.helpdeskTickets[0]?.id;
    const statusOf = async () => (await getJson<{ status: string }>(`${h?.corral.baseUrl}/v1/incidents/${incidentId}`)).body.status;

    expect(await poller.round('rt')).toEqual(['unchanged']);
    await rt.request('PUT', `/ticket/${ticketId}`, { Status: 'resolved' });
    expect(await poller.round('rt')).toEqual(['resolved']);
    expect(await statusOf()).toBe('resolved');
    await drain();
    expect(await poller.round('rt')).toEqual(['unchanged']);
    // Not told back: RT's status changed once, by its agent.
    expect((await rt.history(ticketId, 'Status')).map((s) => s.NewValue)).toEqual(['resolved']);

    await rt.request('PUT', `/ticket/${ticketId}`, { Status: 'open' });
    expect(await poller.round('rt')).toEqual(['reopened']);
    expect(await statusOf()).toBe('open');

    // corral resolves; until that reaches RT, RT still says open, which is not an agent's reopen.
    await postJson(`${h.corral.baseUrl}/v1/incidents/${incidentId}/resolve`, { by: 'agent:kim', note: 'fixed' });
    expect(await poller.round('rt')).toEqual([]);
    expect(await statusOf()).toBe('resolved');
    await drain();
    expect(await poller.round('rt')).toEqual(['unchanged']);

    const { body: timeline } = await getJson<{ items: Array<{ kind: string; data: Record<string, unknown> }> }>(`${h.corral.baseUrl}/v1/incidents/${incidentId}/timeline`);
    expect(timeline.items.filter((e) => e.kind === 'incident.resolved').map((e) => e.data.by)).toEqual([expect.stringMatching(/helpdesk-poll for rt:rt$/), expect.stringMatching(/agent:kim$/)]);
  }, 180_000);

  it('still opens the ticket when RT refuses the mapped queue, in the fallback queue, saying why', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'corral-rt-helpdesk-')), 'helpdesk.yaml');
    writeFileSync(file, ['helpdesks:', `  - { name: rt, kind: rt, url: "${rt.url}", tokenEnv: CORRAL_TEST_RT_TOKEN, queueMap: { integration: "Interfaces (renamed)", "*": General }, maxAttempts: 3 }`, 'relay: { backoffBase: 20ms, backoffMax: 200ms }'].join('\n'));
    h = await startClockedCorral({ CORRAL_HELPDESK_FILE: file, CORRAL_TEST_RT_TOKEN: rt.token });
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, Array.from({ length: 5 }, (_, i) => nack(3000 + i, 'cloverleaf')));
    await at(1);
    await drain();
    const { body: list } = await getJson<{ items: Array<{ id: string }> }>(`${h.corral.baseUrl}/v1/incidents`);
    const { body: detail } = await getJson<{ helpdeskTickets: Array<{ id: string }> }>(`${h.corral.baseUrl}/v1/incidents/${list.items[0]?.id}`);
    const ticketId = detail.helpdeskTickets[0]?.id;
    expect((await rt.tickets()).find((t) => t.id === ticketId)?.Queue).toBe('General');
    expect(await rt.lastComment(ticketId)).toMatch(/RT queue "Interfaces \(renamed\)", which RT refused \(HTTP 403 from helpdesk:rt: No permission to create tickets in the queue 'Interfaces \(renamed\)'/);
  }, 120_000);
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TicketEvent } from '../../correlation/tickets.js';
import { formatFor } from './formats.js';
import { destinationsFor, HelpdeskConfigError, loadHelpdeskConfig, type WebhookTarget } from './helpdesk-config.js';
import { signBody, verifySignature } from './signature.js';
import { holdsBrokenText } from '../ingest/unicode.js';

const ticket: TicketEvent = {
  eventKey: 'inc-1:7',
  type: 'ticket.opened',
  incident: {
    id: 'inc-1', signature: 'epic|http_503|*', title: 'Epic unavailable', status: 'open', severity: 'critical', priority: 'P1', queue: 'major-incident',
    routingRuleId: 'route.major-incident@1', system: 'epic', facilities: ['issaquah', 'overlake'], departments: ['ED'], firstSeen: '2026-11-24T07:00:00.000Z',
    lastSeen: '2026-11-24T07:05:00.000Z', childCount: 31, distinctRequesters: 30, patientImpact: true, correlationId: 'c-1', parentId: null, context: null,
  },
  children: [],
  notify: [],
  details: {},
  at: '2026-11-24T07:01:00.000Z',
};
const target = (format: WebhookTarget['format']): WebhookTarget => ({ name: 'x', url: 'https://x', format, queues: ['*'], timeoutMs: 1000, maxAttempts: 3, projectKey: 'IT' });

describe('helpdesk formats', () => {
  it('maps a P1 to a ServiceNow incident with impact and urgency 1 in its assignment group', () => {
    expect(formatFor(target('servicenow'), ticket, 'https://corral')).toEqual(
      expect.objectContaining({ correlation_id: 'inc-1', short_description: '[P1] epic: Epic unavailable', impact: 1, urgency: 1, assignment_group: 'major-incident', state: 1 }),
    );
  });

  it('cuts a long title between characters, never inside an emoji', () => {
    // "[P1] epic: " is 11 characters: the emoji straddles the 160th UTF-16 unit.
    const title = `${'a'.repeat(148)}😀${'b'.repeat(20)}`;
    const line = (formatFor(target('servicenow'), { ...ticket, incident: { ...ticket.incident, title } }, 'https://corral') as { short_description: string }).short_description;

    expect(holdsBrokenText(line)).toBe(false);
    expect([...line].length).toBeLessThanOrEqual(160);
  });

  it('creates a Jira Service Management issue on opening and transitions it on resolve', () => {
    const created = formatFor(target('jsm'), ticket, 'https://corral') as { fields: Record<string, unknown> };
    const resolved = formatFor(target('jsm'), { ...ticket, type: 'ticket.resolved' }, 'https://corral') as Record<string, unknown>;

    expect(created.fields).toEqual(expect.objectContaining({ project: { key: 'IT' }, priority: { name: 'Highest' }, issuetype: { name: 'Incident' } }));
    expect(resolved.transition).toEqual({ name: 'Resolve' });
  });

  it('writes a readable Teams card with spread and a link', () => {
    const card = formatFor(target('teams'), { ...ticket, type: 'ticket.escalated', details: { step: 2 } }, 'https://corral.hospital.example') as Record<string, unknown>;

    expect(JSON.stringify(card)).toContain('30 people; facilities: issaquah, overlake');
    expect(JSON.stringify(card)).toContain('https://corral.hospital.example/v1/incidents/inc-1');
    expect(JSON.stringify(card)).toContain('"Escalation step","value":"2"');
  });
});

describe('helpdesk configuration', () => {
  const example = fileURLToPath(new URL('../../../deploy/helpdesk.example.yaml', import.meta.url));
  const env = { SERVICENOW_WEBHOOK_SECRET: 's1', JSM_WEBHOOK_SECRET: 's2' };

  it('reads the shipped example, with secrets from the environment', () => {
    const config = loadHelpdeskConfig(example, 'https://corral', env);

    expect(config.webhooks.map((w) => [w.name, w.format, w.secret])).toEqual([['servicenow', 'servicenow', 's1'], ['biomed-jira', 'jsm', 's2']]);
    expect(destinationsFor(config, 'ticket.opened', 'biomed')).toEqual(['nats', 'webhook:servicenow', 'webhook:biomed-jira']);
    expect(destinationsFor(config, 'ticket.escalated', 'major-incident')).toEqual(['nats', 'oncall:major-incident-teams']);
    // A P1 pages the on-call channel as its ticket opens; a P2, and an update, do not.
    expect(destinationsFor(config, 'ticket.opened', 'major-incident', 'P1')).toEqual(['nats', 'webhook:servicenow', 'oncall:major-incident-teams']);
    expect(destinationsFor(config, 'ticket.opened', 'major-incident', 'P2')).toEqual(['nats', 'webhook:servicenow']);
    expect(destinationsFor(config, 'ticket.updated', 'major-incident', 'P1')).toEqual(['nats', 'webhook:servicenow']);
  });

  it('names the file, entry and field of a mistake, and a missing secret', () => {
    expect(() => loadHelpdeskConfig(example, 'https://corral', {})).toThrow(HelpdeskConfigError);
    expect(() => loadHelpdeskConfig(example, 'https://corral', {})).toThrow(/webhooks\[0\] \(servicenow\): field "secretEnv" names SERVICENOW_WEBHOOK_SECRET, which is not set/);
  });
});

describe('helpdesk connectors configuration', () => {
  const write = (yaml: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'corral-helpdesk-spec-')), 'helpdesk.yaml');
    writeFileSync(file, yaml);
    return file;
  };

  it('reads an RT helpdesk with its token from the environment or a secrets file, and sends it every ticket event but escalations', () => {
    const fromEnv = loadHelpdeskConfig(write('helpdesks:\n  - { name: rt, kind: rt, url: "https://rt.hospital.example/", tokenEnv: RT_TOKEN, queueMap: { integration: Integration, "*": General } }\n'), 'https://corral', { RT_TOKEN: '1-14-abc' });
    expect(fromEnv.helpdesks).toEqual([{ name: 'rt', kind: 'rt', url: 'https://rt.hospital.example', token: '1-14-abc', queues: ['*'], queueMap: { integration: 'Integration', '*': 'General' }, timeoutMs: 10_000, maxAttempts: 20 }]);
    expect(destinationsFor(fromEnv, 'ticket.opened', 'integration')).toEqual(['nats', 'helpdesk:rt']);
    expect(destinationsFor(fromEnv, 'ticket.escalated', 'integration')).toEqual(['nats']);

    const secret = join(mkdtempSync(join(tmpdir(), 'corral-secret-')), 'rt-token');
    writeFileSync(secret, '1-14-fromfile\n');
    expect(loadHelpdeskConfig(write(`helpdesks:\n  - { name: rt, kind: rt, url: "https://rt", tokenFile: "${secret}" }\n`), 'https://corral', {}).helpdesks[0]?.token).toBe('1-14-fromfile');
  });

  it('refuses a helpdesk without a credential, naming the field and never a value', () => {
    const file = write('helpdesks:\n  - { name: rt, kind: rt, url: "https://rt", tokenEnv: RT_TOKEN }\n  - { name: other, kind: freshdesk, url: "ftp://x", token: "1-14-inline" }\n');
    let error: unknown;
    try {
      loadHelpdeskConfig(file, 'https://corral', {});
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HelpdeskConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/helpdesks\[0\] \(rt\): field "tokenEnv" names RT_TOKEN, which is not set/);
    expect(message).toMatch(/helpdesks\[1\] \(other\): field "kind" must be one of rt/);
    expect(message).toMatch(/helpdesks\[1\] \(other\): field "tokenEnv" or "tokenFile" is required/);
    expect(message).not.toContain('1-14-inline');
  });

  it('reads ServiceNow with basic auth, and refuses a Jira Service Management helpdesk without its account, desk and request type', () => {
    const sn = loadHelpdeskConfig(write('helpdesks:\n  - { name: servicenow, kind: servicenow, url: "https://h.service-now.com", user: svc_corral, tokenEnv: SN, closeCode: "Resolved by change" }\n'), 'https://corral', { SN: 'pw' });
    expect(sn.helpdesks[0]).toMatchObject({ kind: 'servicenow', user: 'svc_corral', token: 'pw', closeCode: 'Resolved by change' });
    let message = '';
    try {
      loadHelpdeskConfig(write('helpdesks:\n  - { name: jsm, kind: jsm, url: "https://h.atlassian.net", tokenEnv: JSM }\n'), 'https://corral', { JSM: 't' });
    } catch (caught) {
      message = (caught as Error).message;
    }
    expect(message).toMatch(/\(jsm\): field "user" is required for jsm/);
    expect(message).toMatch(/\(jsm\): field "serviceDesk" is required for jsm/);
    expect(message).toMatch(/\(jsm\): field "requestType" is required for jsm unless queueMap has "\*"/);
  });
});

describe('webhook signatures', () => {
  it('verifies what it signed, and nothing altered or stale', () => {
    const now = Date.parse('2026-11-24T07:00:00Z');
    const header = signBody('k', '{"a":1}', now);

    expect(verifySignature('k', '{"a":1}', header, 300, now)).toBe(true);
    expect(verifySignature('k', '{"a":2}', header, 300, now)).toBe(false);
    expect(verifySignature('other', '{"a":1}', header, 300, now)).toBe(false);
    expect(verifySignature('k', '{"a":1}', header, 300, now + 600_000)).toBe(false);
  });
});

import { jetstream } from '@nats-io/jetstream';
import { apiFetch, canonical, getJson, useCorralSuite } from '../support/harness.js';
import { deadLetters, fixture, HL7_TYPE, settled } from './adapter-support.js';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Array<{ field: string; problems: string[] }>;
}

// Hostile and broken input on the native routes: each gets a clear JSON error, nothing is echoed
// back, and corral keeps serving (checked after every case).
describe('bad input on the ingest routes', () => {
  const suite = useCorralSuite({ HTTP_BODY_LIMIT: '256kb' });

  const raw = async (path: string, body: string | Uint8Array, contentType = 'application/json') => {
    const response = await apiFetch(`${suite.corral.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    const text = await response.text();
    return { status: response.status, type: response.headers.get('content-type') ?? '', text, body: JSON.parse(text) as ErrorBody & Record<string, unknown> };
  };

  afterEach(async () => {
    const live = await getJson(`${suite.corral.baseUrl}/health/live`);
    expect(live.status).toBe(200);
  });

  it('malformed JSON: 400 that does not quote the body', async () => {
    const reply = await raw('/v1/ingest/alertmanager', '{"alerts": [{"labels": "SSN 999-33-5538" ');

    expect([reply.status, reply.body.error]).toEqual([400, 'Bad Request']);
    expect(reply.type).toContain('application/json');
    expect(reply.text).not.toContain('999-33-5538');
  });

  it('wrong types: 400 naming the field; PagerDuty answers in its own shape too', async () => {
    const am = await raw('/v1/ingest/alertmanager', JSON.stringify({ version: '4', alerts: 'many' }));
    expect([am.status, am.body.details?.[0]?.field]).toEqual([400, 'alerts']);
    const labels = await raw('/v1/ingest/alertmanager', JSON.stringify({ alerts: [{ status: 'firing', startsAt: '2026-11-24T07:00:00Z', labels: { severity: { nested: true } } }] }));
    expect([labels.status, labels.body.details?.[0]?.field]).toEqual([400, 'alerts[0].labels.severity']);
    const pd = await raw('/v1/ingest/pagerduty', JSON.stringify({ routing_key: 'k', event_action: 'trigger', payload: { summary: 's', source: 'h', severity: 5 } }));
    expect(pd.status).toBe(400);
    expect(pd.body).toMatchObject({ status: 'invalid event', message: 'Event object is invalid', errors: [expect.stringContaining('payload.severity')], statusCode: 400 });
    const helpdesk = await raw('/v1/ingest/helpdesk', JSON.stringify({ channel: 'email', text: 12, requester: 'a' }));
    expect([helpdesk.status, helpdesk.body.details?.[0]?.field]).toEqual([400, 'text']);
  });

  it('a body over HTTP_BODY_LIMIT: 413', async () => {
    const huge = JSON.stringify({ channel: 'email', requester: 'a', text: 'x'.repeat(300 * 1024) });

    const reply = await raw('/v1/ingest/helpdesk', huge);
    const hl7 = await raw('/v1/ingest/hl7', `${fixture('hl7/ack-ae-camel-mllp.hl7')}${'NTE|1||x\r'.repeat(40_000)}`, HL7_TYPE);

    expect([reply.status, reply.body.statusCode]).toEqual([413, 413]);
    expect(hl7.status).toBe(413);
  });

  it('deeply nested JSON: 400, no stack overflow', async () => {
    const depth = 50_000;
    const reply = await raw('/v1/ingest/grafana', `{"alerts":${'['.repeat(depth)}${']'.repeat(depth)}}`);

    expect([reply.status, reply.body.message]).toEqual([400, expect.stringContaining('nests deeper than 32 levels')]);
  });

  it('invalid UTF-8: 400, in JSON and in HL7 text', async () => {
    const bytes = (text: string, bad: number[]) => new Uint8Array([...new TextEncoder().encode(text.slice(0, -2)), ...bad, ...new TextEncoder().encode(text.slice(-2))]);

    const json = await raw('/v1/ingest/helpdesk', bytes(JSON.stringify({ channel: 'chat', requester: 'a', text: 'broken' }), [0xff, 0xfe, 0xc3]));
    const hl7 = await raw('/v1/ingest/hl7', bytes(fixture('hl7/ack-ae-err-nist-iz.hl7'), [0xc3, 0x28]), HL7_TYPE);

    expect([json.status, json.body.message]).toEqual([400, 'body is not valid UTF-8']);
    expect([hl7.status, hl7.body.message]).toEqual([400, 'body is not valid UTF-8']);
  });

  it('a lone surrogate (a \\ud800 escape, valid JSON but no character): 400, and a good request beside it commits', async () => {
    const lone = '{"version":"4","alerts":[{"status":"firing","labels":{"alertname":"Lone","instance":"host-\\ud800"},"startsAt":"2026-11-24T07:00:00Z"}]}';
    const good = lone.replace('host-\\ud800', 'host-fine');

    const [bad, fine] = await Promise.all([raw('/v1/ingest/alertmanager', lone), raw('/v1/ingest/alertmanager', good)]);

    expect([bad.status, bad.body.message]).toEqual([400, 'body is not valid UTF-8']);
    expect(fine.status).toBe(202);
    // The canonical route refuses such an event the same way.
    const event = { id: 'lone-1', kind: 'report', source: { type: 'helpdesk', system: 'servicenow' }, occurredAt: '2026-11-24T07:00:00Z', status: 'firing', severity: 'low', system: 'epic', symptom: 'frozen \ud800' };
    // JSON.stringify writes the lone surrogate as the escape `\ud800`.
    const canonical = await raw('/v1/events', JSON.stringify(event));
    expect([canonical.status, canonical.body.message]).toEqual([400, expect.stringContaining('valid Unicode')]);
  });

  it('SQL and HTML injection strings are data: stored as text, answered as JSON, tables intact', async () => {
    const evil = `'); DROP TABLE incident; -- <script>alert("x")</script><img src=x onerror=alert(1)>`;

    const reply = await raw('/v1/ingest/helpdesk?wait=correlated', JSON.stringify({ id: `${evil}`, channel: 'portal', requester: evil, text: evil, system: `pacs${evil}`.slice(0, 100) }));
    expect(reply.status).toBe(202);
    const list = await apiFetch(`${suite.corral.baseUrl}/v1/incidents?limit=500`);
    expect(list.headers.get('content-type')).toContain('application/json');
    const { items } = (await list.json()) as { items: Array<{ title: string }> };
    expect(items.map((i) => i.title)).toContain(evil);
    const letters = await getJson<{ items: unknown[] }>(`${suite.corral.baseUrl}/v1/dead-letters?reason=${encodeURIComponent("' OR 1=1 --")}`);
    expect(letters).toEqual({ status: 200, body: { items: [], nextCursor: null } });
    const cursor = await getJson<ErrorBody>(`${suite.corral.baseUrl}/v1/dead-letters?cursor=${encodeURIComponent('1; DROP TABLE dead_letter')}`);
    expect([cursor.status, cursor.body.details?.[0]?.field]).toEqual([400, 'cursor']);
  });

  it('no JSON body, unknown source, missing Okta challenge: clear 4xx', async () => {
    const text = await raw('/v1/ingest/alertmanager', 'receiver=corral', 'text/plain');
    expect([text.status, text.body.message]).toEqual([400, expect.stringContaining('application/json')]);
    const unknown = await raw('/v1/ingest/zabbix', '{}');
    expect([unknown.status, unknown.body.message]).toEqual([404, expect.stringContaining('no adapter for "zabbix"')]);
    const okta = await getJson<ErrorBody>(`${suite.corral.baseUrl}/v1/ingest/okta`);
    expect([okta.status, okta.body.message]).toEqual([400, expect.stringContaining('X-Okta-Verification-Challenge')]);
  });

  it('/v1/events nested 2,000 deep: that event refused (400 alone, listed in an array), the valid ones beside it kept; a dead letter over NATS', async () => {
    const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const valid = JSON.stringify(canonical({ id: 'beside-the-deep-one' }));

    const alone = await raw('/v1/events', `{"id":"deep","labels":{"a":${deep(2000)}}}`);
    const array = await raw('/v1/events', `[${valid},{"labels":${deep(2000)}}]`);

    expect([alone.status, alone.body.message]).toEqual([400, expect.stringContaining('nests deeper than 32 levels')]);
    expect([array.status, array.body]).toEqual([202, { accepted: 1, duplicates: 0, rejected: [{ index: 1, reason: expect.stringContaining('nests deeper than 32 levels') }] }]);
    const before = (await deadLetters(suite)).length;
    await jetstream(suite.nats.nc).publish(suite.nats.subjects.in('canonical'), new TextEncoder().encode(`{"id":"deep","labels":${deep(2000)}}`));
    await settled(suite);
    expect((await deadLetters(suite)).length).toBe(before + 1);
  });

  it('an array of empty objects: the answer lists 100 reasons and counts the rest; past 1,000 events, 413 before any is looked at', async () => {
    const valid = canonical({ id: 'among-the-empty-ones' });

    const mixed = await raw('/v1/events', JSON.stringify([...Array.from({ length: 999 }, () => ({})), valid]));
    const started = Date.now();
    const flood = await raw('/v1/events', `[${'{},'.repeat(60_000)}{}]`);
    const floodMs = Date.now() - started;

    expect([mixed.status, mixed.body.accepted, (mixed.body.rejected as unknown[]).length, mixed.body.moreRejected]).toEqual([202, 1, 100, 899]);
    expect(mixed.text.length).toBeLessThan(100_000);
    expect([flood.status, flood.body.message]).toEqual([413, 'at most 1000 events per request; this one has 60001: send them in several']);
    expect(floodMs).toBeLessThan(1_000);
    const none = await raw('/v1/events', JSON.stringify(Array.from({ length: 1000 }, () => ({}))));
    expect([none.status, none.body.message, none.body.details?.length]).toEqual([400, 'no valid event in the array (1000 refused; the first 100 are listed)', 100]);
  });

  it('NUL in a path or a query: 400 naming it, and the refused access is in the audit trail', async () => {
    const reply = await getJson<ErrorBody>(`${suite.corral.baseUrl}/v1/incidents/abc%00`);
    const bare = await getJson<ErrorBody>(`${suite.corral.baseUrl}/v1/incidents/%00`);
    const query = await getJson<ErrorBody>(`${suite.corral.baseUrl}/v1/incidents?system=%00`);

    expect(bare.status).toBe(400);
    expect([reply.status, reply.body.details?.[0]?.field]).toEqual([400, 'id']);
    expect([query.status, query.body.details?.[0]?.field]).toEqual([400, 'system']);
    const trail = await getJson<{ items: Array<{ action: string; target: string | null; outcome: number; detail: { status: number } }> }>(`${suite.corral.baseUrl}/v1/audit?action=incident.read&limit=1000`);
    expect(trail.body.items).toContainEqual(expect.objectContaining({ target: 'abc\uFFFD', outcome: 4, detail: expect.objectContaining({ status: 400 }) }));
    const verify = await getJson<{ ok: boolean }>(`${suite.corral.baseUrl}/v1/audit/verify`);
    expect([verify.status, verify.body.ok]).toEqual([200, true]);
  });

  it('an incident id that is no UUID, cut in the error message in the middle of an emoji: 400, audited, the chain intact', async () => {
    const id = `${'A'.repeat(63)}😀`;

    const reply = await getJson<ErrorBody>(`${suite.corral.baseUrl}/v1/incidents/${encodeURIComponent(id)}`);
    const timeline = await getJson<ErrorBody>(`${suite.corral.baseUrl}/v1/incidents/${encodeURIComponent(id)}/timeline`);

    expect([reply.status, reply.body.message]).toEqual([400, `incident id must be a UUID, got "${id}"`]);
    expect(timeline.status).toBe(400);
    const verify = await getJson<{ ok: boolean }>(`${suite.corral.baseUrl}/v1/audit/verify`);
    expect([verify.status, verify.body.ok]).toEqual([200, true]);
  });

  it("NUL in a command's note or author: 400 naming the field, the incident unchanged", async () => {
    const list = await getJson<{ items: Array<{ id: string; status: string }> }>(`${suite.corral.baseUrl}/v1/incidents?limit=1`);
    const incident = list.body.items[0];
    const acknowledge = (body: unknown) => raw(`/v1/incidents/${incident.id}/acknowledge`, JSON.stringify(body));

    const note = await acknowledge({ by: 'agent:jdoe', note: 'called \u0000 the vendor' });
    const by = await acknowledge({ by: 'agent:\u0000', note: 'fine' });

    expect([note.status, note.body.details?.[0]?.field]).toEqual([400, 'note']);
    expect([by.status, by.body.details?.[0]?.field]).toEqual([400, 'by']);
    const overNats = await suite.nats.nc.request(`${suite.nats.subjects.prefix}.cmd.incident.acknowledge`, JSON.stringify({ incidentId: incident.id, by: 'nats-agent', note: 'x\u0000' }), { timeout: 5000 });
    expect(overNats.json<{ error: { statusCode: number; message: string } }>().error).toEqual({ statusCode: 400, message: expect.stringContaining('note') });
    const after = await getJson<{ status: string }>(`${suite.corral.baseUrl}/v1/incidents/${incident.id}`);
    expect(after.body.status).toBe(incident.status);
  });

  it('still takes a good payload after all of that', async () => {
    const reply = await raw('/v1/ingest/alertmanager', fixture('alertmanager/webhook-v4-2.json'));

    expect([reply.status, reply.body]).toEqual([202, { accepted: 1, duplicates: 0, ignored: 0, rejected: [] }]);
  });
});

import { readFileSync } from 'node:fs';
import { eventIdToken } from '../src/correlation/privacy.js';
import { canonical, getJson, postJson, TOKEN_KEY, useCorralSuite, withClient } from './support/harness.js';

const idOf = (id: string) => eventIdToken(TOKEN_KEY, id);

interface Incident {
  id: string;
  status: string;
  childCount: number;
  distinctRequesters: number;
  facilities: string[];
  title: string;
  children?: Array<{ id: string; status: string; repeats: number; requesterToken?: string }>;
}

describe('HTTP API on real Postgres and JetStream', () => {
  const suite = useCorralSuite();

  it('folds events of one signature into one incident with children, counting repeats and refusing exact resends at the inbox', async () => {
    const first = canonical({ id: 'am-1', system: 'pacs', errorSignature: 'DICOM_TIMEOUT' });
    const second = canonical({ id: 'am-2', system: 'pacs', errorSignature: 'DICOM_TIMEOUT', department: 'radiology' });
    // Still firing a minute later: a repeat of the child, not a resend of the same event.
    const again = { ...first, occurredAt: '2026-11-24T07:01:00.000Z' };

    const posted = await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, [first, second, first, again]);

    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({ accepted: 3, duplicates: 1, rejected: [], correlated: true });
    const list = await getJson<{ items: Incident[] }>(`${suite.corral.baseUrl}/v1/incidents?status=open`);
    const pacs = list.body.items.filter((i) => i.title === 'ADT feed stalled' && i.childCount === 2);
    expect(pacs).toHaveLength(1);
    const detail = await getJson<Incident>(`${suite.corral.baseUrl}/v1/incidents/${pacs[0]?.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.children?.map((c) => [c.id, c.repeats])).toEqual([[idOf('am-1'), 1], [idOf('am-2'), 0]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
  });

  it('resolves the incident when every child has resolved', async () => {
    const firing = canonical({ id: 'lab-1', system: 'lab-interface', errorSignature: 'AE' });
    await postJson(`${suite.corral.baseUrl}/v1/events`, firing);

    // Read-your-writes: the answer comes once the resolve is correlated (the firing event before it too: the inbox is applied in order).
    const resolved = await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, { ...firing, status: 'resolved', occurredAt: '2026-11-24T07:30:00.000Z' });

    expect(resolved.status).toBe(202);
    const list = await getJson<{ items: Incident[] }>(`${suite.corral.baseUrl}/v1/incidents?status=resolved`);
    expect(list.body.items.map((i) => i.id)).toHaveLength(1);
  });

  it('rejects a schema-invalid event with 400 naming the failing fields', async () => {
    const response = await postJson<{ statusCode: number; message: string; details: Array<{ field: string }> }>(
      `${suite.corral.baseUrl}/v1/events`,
      canonical({ severity: 'catastrophic', source: { type: 'canonical' }, surprise: true }),
    );

    expect(response.status).toBe(400);
    expect(response.body.statusCode).toBe(400);
    expect(response.body.details.map((d) => d.field).sort()).toEqual(['severity', 'source.system', 'surprise']);
  });

  it('rejects malformed JSON with 400', async () => {
    const response = await postJson<{ statusCode: number; error: string }>(`${suite.corral.baseUrl}/v1/events`, '{"id": ');

    expect(response.status).toBe(400);
    expect(response.body.error).toBe('Bad Request');
  });

  it('keeps the valid events of a mixed array and lists the invalid ones by index', async () => {
    const response = await postJson(`${suite.corral.baseUrl}/v1/events`, [canonical({ system: 'pharmacy' }), { id: 'x' }]);

    expect(response.status).toBe(202);
    expect(response.body).toEqual({ accepted: 1, duplicates: 0, rejected: [{ index: 1, reason: expect.stringContaining('schemaVersion') }] });
  });

  it('never stores patient identifiers or raw requester ids', async () => {
    const patient = JSON.parse(readFileSync(new URL('../../shared/fixtures/fhir/synthea-patient-carolee951.json', import.meta.url), 'utf8')) as {
      entry?: Array<{ resource: { resourceType: string; identifier?: Array<{ value: string }> } }>;
    } & { identifier?: Array<{ value: string }> };
    const resource = patient.entry?.find((e) => e.resource.resourceType === 'Patient')?.resource ?? patient;
    const identifiers = (resource.identifier ?? []).map((i) => i.value).filter((v) => v.length >= 6);
    expect(identifiers.length).toBeGreaterThan(0);

    await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, canonical({
      kind: 'report',
      system: 'discharge',
      symptom: `cannot open discharge summary for MRN ${identifiers.join(', ')}`,
      requester: { token: 'nurse.jane@hospital.example' },
    }));

    const dump = await withClient(suite.db.url, async (c) => {
      // The inbox too: it keeps each event as intake left it, filtered before it was appended.
      const tables = ['inbox', 'incident', 'incident_child', 'journal', 'actor_snapshot'];
      const rows: string[] = [];
      for (const table of tables) {
        const result = await c.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM ${table} x`);
        rows.push(...result.rows.map((row) => row.j));
      }
      return rows.join('\n');
    });
    expect(dump).toContain('discharge');
    for (const identifier of identifiers) expect(dump).not.toContain(identifier);
    expect(dump).not.toContain('nurse.jane');
  });

  it('keeps no patient name or identifier put in an Alertmanager label, inline or through an intake worker', async () => {
    const bundle = JSON.parse(readFileSync(new URL('../../shared/fixtures/fhir/synthea-patient-carolee951.json', import.meta.url), 'utf8')) as {
      entry: Array<{ resource: { resourceType: string; name?: Array<{ given: string[]; family: string }>; identifier?: Array<{ value: string }> } }>;
    };
    const patient = bundle.entry.find((e) => e.resource.resourceType === 'Patient')?.resource;
    const given = patient?.name?.[0]?.given[0] ?? '';
    const family = patient?.name?.[0]?.family ?? '';
    const identifiers = (patient?.identifier ?? []).map((i) => i.value).filter((v) => v.length >= 6);
    expect([given, family, ...identifiers].every((v) => v.length >= 6)).toBe(true);
    const planted = [`${given} ${family}`, `${family}^${given}`, ...identifiers];
    // A small body is prepared on the main thread, one of 4 KiB or more by an intake worker.
    const webhook = (alerts: number, tag: string) => ({
      version: '4', status: 'firing', receiver: `${given} ${family}`, commonLabels: { team: `${family}, ${given}` },
      alerts: Array.from({ length: alerts }, (_, n) => ({
        status: 'firing', startsAt: '2026-11-24T06:59:00Z', fingerprint: `${tag}-${n}`, annotations: { summary: 'discharge screen frozen' },
        labels: { alertname: planted[n % planted.length], instance: planted[(n + 1) % planted.length], job: planted[(n + 2) % planted.length], system: 'discharge' },
      })),
    });
    for (const body of [webhook(2, 'small'), webhook(40, 'large')]) {
      const answer = await postJson(`${suite.corral.baseUrl}/v1/ingest/alertmanager?wait=correlated`, body);
      expect(answer).toMatchObject({ status: 202, body: { accepted: body.alerts.length } });
    }
    expect(JSON.stringify(webhook(40, 'large')).length).toBeGreaterThan(4096);

    const dump = await withClient(suite.db.url, async (c) => {
      const rows: string[] = [];
      for (const table of ['inbox', 'incident', 'incident_child', 'journal', 'actor_snapshot']) {
        rows.push(...(await c.query<{ j: string }>(`SELECT row_to_json(x)::text AS j FROM ${table} x`)).rows.map((row) => row.j));
      }
      return rows.join('\n');
    });
    expect(dump).toContain('discharge screen frozen');
    for (const canary of [given, family, ...identifiers]) expect([canary, dump.includes(canary)]).toEqual([canary, false]);
    const incidents = await getJson<{ items: Incident[] }>(`${suite.corral.baseUrl}/v1/incidents?system=discharge`);
    for (const canary of [given, family, ...identifiers]) expect(JSON.stringify(incidents.body)).not.toContain(canary);
  });

  it('pages through incidents with a cursor', async () => {
    await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, [1, 2, 3].map((n) => canonical({ system: `page-${n}` })));

    const first = await getJson<{ items: Incident[]; nextCursor: string | null }>(`${suite.corral.baseUrl}/v1/incidents?limit=2`);
    const second = await getJson<{ items: Incident[]; nextCursor: string | null }>(`${suite.corral.baseUrl}/v1/incidents?limit=2&cursor=${first.body.nextCursor}`);

    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).not.toBeNull();
    const ids = [...first.body.items, ...second.body.items].map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists newest activity first across pages, within a minute and across minutes', async () => {
    // Several incidents in one minute and others minutes apart: the index orders by the minute,
    // the query by last_seen within it; paging with a small limit must give the exact order.
    const times = ['2026-11-24T06:00:10.000Z', '2026-11-24T06:00:50.000Z', '2026-11-24T06:00:30.000Z', '2026-11-24T05:58:00.000Z', '2026-11-24T06:03:05.000Z', '2026-11-24T06:00:30.000Z'];
    await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, times.map((occurredAt, n) => canonical({ id: `order-${n}`, system: `order-b${n}`, occurredAt })));

    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: Incident[]; nextCursor: string | null } } = await getJson(`${suite.corral.baseUrl}/v1/incidents?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      listed.push(...page.body.items.map((i) => i.id));
      cursor = page.body.nextCursor;
    } while (cursor);

    const expected = await withClient(suite.db.url, async (c) => (await c.query<{ id: string }>(`SELECT id FROM incident ORDER BY last_seen DESC, id DESC`)).rows.map((r) => r.id));
    expect(listed).toEqual(expected);
    const ours = await withClient(suite.db.url, async (c) => (await c.query<{ id: string }>(`SELECT id FROM incident WHERE system LIKE 'order-%' ORDER BY last_seen DESC, id DESC`)).rows.map((r) => r.id));
    expect(ours).toHaveLength(times.length);
    expect(listed.filter((id) => ours.includes(id))).toEqual(ours);
  });

  it('answers 400 for a bad id or cursor and 404 for an unknown incident', async () => {
    expect((await getJson(`${suite.corral.baseUrl}/v1/incidents/not-a-uuid`)).status).toBe(400);
    expect((await getJson(`${suite.corral.baseUrl}/v1/incidents?cursor=garbage`)).status).toBe(400);
    expect((await getJson(`${suite.corral.baseUrl}/v1/incidents?limit=9999`)).status).toBe(400);
    expect((await getJson(`${suite.corral.baseUrl}/v1/incidents/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('reports readiness of the database and NATS', async () => {
    const ready = await getJson<{ status: string; details: Record<string, { status: string }> }>(`${suite.corral.baseUrl}/health/ready`);

    expect(ready.status).toBe(200);
    expect(ready.body.details.db?.status).toBe('up');
    expect(ready.body.details.nats?.status).toBe('up');
  });
});

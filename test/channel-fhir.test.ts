import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Resource } from '@medplum/fhirtypes';
import { TestFhirServer } from './enrichment-support.js';
import { startClockedCorral, stopClockedCorral, type ClockedCorral } from './support/clocked-corral.js';
import { apiFetch, getJson, inboxCorrelated } from './support/harness.js';

// A FHIR server's Subscription (rest-hook) telling corral of device and endpoint state changes:
// full-resource and id-only notification Bundles (R4 Subscriptions Backport), the R4 payload PUT,
// handshakes and heartbeats. Pumps going offline become one alert incident at their facility; the
// pump's patient (a Synthea patient, contained and referenced) never reaches corral's database.

const patientBundle = JSON.parse(readFileSync('/work/shared/fixtures/fhir/synthea-patient-carolee951.json', 'utf8')) as { entry: Array<{ resource: Record<string, unknown> }> };
const patient = patientBundle.entry.map((e) => e.resource).find((r) => r.resourceType === 'Patient') as { id: string; name: Array<{ given: string[]; family: string }>; identifier: Array<{ value: string }>; birthDate: string };
const SECRETS = [patient.id, patient.name[0]?.given[0] ?? 'x', patient.name[0]?.family ?? 'x', patient.birthDate, ...patient.identifier.map((i) => i.value)];

const pump = (id: string, status: string, reason?: string) => ({
  resourceType: 'Device',
  id,
  meta: { versionId: '2', lastUpdated: '2026-11-24T07:03:00Z' },
  status,
  ...(reason ? { statusReason: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/device-status-reason', code: reason }] }] } : {}),
  type: { coding: [{ system: 'http://snomed.info/sct', code: '13288007', display: 'Infusion pump' }] },
  location: { reference: 'Location/4w-lakeside' },
  // What a chart-linked device carries, and corral must never keep.
  patient: { reference: `Patient/${patient.id}`, display: `${patient.name[0]?.given[0]} ${patient.name[0]?.family}` },
  contained: [{ ...patient, id: 'p1' }],
  note: [{ text: `attached to ${patient.name[0]?.given[0]} ${patient.name[0]?.family}, MRN ${patient.identifier[1]?.value}` }],
});

const status = (type: string) => ({ resource: { resourceType: 'Parameters', parameter: [{ name: 'subscription', valueReference: { reference: 'Subscription/corral-devices' } }, { name: 'status', valueCode: 'active' }, { name: 'type', valueCode: type }] } });
const bundle = (type: string, entries: unknown[]) => ({ resourceType: 'Bundle', type: 'history', timestamp: '2026-11-24T07:03:05Z', entry: [status(type), ...entries] });

let h: ClockedCorral | undefined;
let fhir: TestFhirServer | undefined;
let ingestKey = '';
const dirs: string[] = [];

beforeAll(async () => {
  fhir = await TestFhirServer.start([{ resourceType: 'Endpoint', id: 'lab-results', status: 'error', name: 'Lab results', connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest' }, payloadType: [{ text: 'results' }], address: 'https://lab.example/fhir', managingOrganization: { reference: 'Organization/overlake' } } as unknown as Resource]);
  const dir = mkdtempSync(join(tmpdir(), 'corral-fhir-sub-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'channels.yaml'),
    ['fhirSubscription:', '  server: epic-fhir', '  systems:', '    "http://snomed.info/sct|13288007": infusion-pump', '    Endpoint/lab-results: lab-interface', '  facilities:', '    Location/4w-lakeside: lakeside', '    Organization/overlake: overlake'].join('\n'),
  );
  h = await startClockedCorral({ CORRAL_CHANNELS_FILE: join(dir, 'channels.yaml'), FHIR_BASE_URL: fhir.baseUrl });
  ingestKey = (await h.corral.mintKey('ingest', { label: 'epic subscription' })).key;
});

afterAll(async () => {
  await stopClockedCorral(h);
  await fhir?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const notify = async (body: unknown, path = '', method = 'POST', key: string | null = ingestKey) => {
  const response = await apiFetch(`${h?.corral.baseUrl}/v1/channels/fhir/notifications${path}`, { method, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) }, { key });
  return { status: response.status, body: (await response.json()) as { accepted?: number; duplicates?: number; ignored?: Array<{ resource?: string; reason: string }>; message?: string } };
};

describe('FHIR Subscription rest-hook', () => {
  it('answers handshakes and heartbeats, and takes offline pumps (full-resource) as one incident at their facility, without their patient', async () => {
    expect(await notify(bundle('handshake', []))).toMatchObject({ status: 200, body: { accepted: 0 } });
    expect(await notify(bundle('heartbeat', []))).toMatchObject({ status: 200, body: { accepted: 0 } });
    const offline = bundle('event-notification', [pump('pump-4w-01', 'inactive'), pump('pump-4w-02', 'active', 'hw-discon'), pump('pump-4w-03', 'active', 'transduc-discon')].map((resource) => ({ fullUrl: `https://ehr.example/fhir/R4/Device/${resource.id}`, resource })));
    expect(await notify(offline)).toMatchObject({ status: 200, body: { accepted: 3, ignored: [] } });
    // The server retries what it is not sure arrived: the same notification again adds nothing.
    expect((await notify(offline)).body.accepted).toBe(0);

    await inboxCorrelated(h?.db.url ?? '');
    const { body: list } = await getJson<{ items: Array<{ id: string; system: string; facilities: string[]; childCount: number; queue: string }> }>(`${h?.corral.baseUrl}/v1/incidents`);
    const pumps = list.items.filter((i) => i.system === 'infusion-pump');
    expect(pumps).toHaveLength(1);
    expect(pumps[0]).toMatchObject({ facilities: ['lakeside'], childCount: 3 });

    // The R4 payload form: the changed resource PUT to [endpoint]/Device/[id]; back online resolves its child.
    const back = { ...pump('pump-4w-01', 'active'), meta: { versionId: '3', lastUpdated: '2026-11-24T07:09:00Z' } };
    expect(await notify(back, '/Device/pump-4w-01', 'PUT')).toMatchObject({ status: 200, body: { accepted: 1 } });
    await inboxCorrelated(h?.db.url ?? '');
    const { body: detail } = await getJson<{ children: Array<{ status: string }> }>(`${h?.corral.baseUrl}/v1/incidents/${pumps[0]?.id}`);
    expect(detail.children.map((c) => c.status).sort()).toEqual(['firing', 'firing', 'resolved']);

    const { stdout: dump } = await promisify(execFile)('pg_dump', ['--data-only', '--inserts', h?.db.url ?? ''], { maxBuffer: 256 * 1024 * 1024 });
    expect(dump).toContain('infusion-pump');
    for (const secret of SECRETS) expect([secret, dump.includes(secret)]).toEqual([secret, false]);
  });

  it('reads an id-only notification back from the EHR (directory types only), and says why it ignores what it cannot take', async () => {
    const idOnly = bundle('event-notification', [{ fullUrl: `${fhir?.baseUrl}/Endpoint/lab-results` }, { fullUrl: `${fhir?.baseUrl}/Observation/obs-1` }]);
    const answer = await notify(idOnly);
    expect(answer).toMatchObject({ status: 200, body: { accepted: 1, ignored: [{ resource: 'Observation/obs-1', reason: expect.stringContaining('id-only') }] } });
    await inboxCorrelated(h?.db.url ?? '');
    const { body: list } = await getJson<{ items: Array<{ system: string; facilities: string[] }> }>(`${h?.corral.baseUrl}/v1/incidents`);
    expect(list.items.find((i) => i.system === 'lab-interface')).toMatchObject({ facilities: ['overlake'] });
    // A patient resource, full: never taken, whatever the Subscription sends.
    const chart = await notify(bundle('event-notification', [{ resource: { ...patient } }]));
    expect(chart).toMatchObject({ status: 200, body: { accepted: 0, ignored: [{ reason: expect.stringContaining('not a resource type') }] } });
    // The EHR not answering the read-back: 503, so the server sends the notification again.
    await fhir?.stop();
    const unanswered = await notify(bundle('event-notification', [{ fullUrl: `https://ehr.example/fhir/R4/Device/pump-9` }]));
    expect([unanswered.status, unanswered.body.message]).toEqual([503, expect.stringContaining('send the notification again')]);
  });

  it('refuses what is not a notification with a reason, and a caller without an ingest key', async () => {
    expect((await notify([pump('x', 'inactive')])).status).toBe(400);
    expect((await notify({ resourceType: 'Bundle', type: 'searchset', entry: [] })).status).toBe(400);
    expect((await notify({ resourceType: 'Bundle', type: 'history', entry: [] })).body.message).toContain('SubscriptionStatus');
    expect((await notify(pump('pump-4w-09', 'inactive'), '/Device/pump-4w-01', 'PUT')).status).toBe(400);
    expect((await notify(bundle('event-notification', []), '', 'POST', null)).status).toBe(401);
    expect((await notify(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`)).status).toBe(400);
  });

  it('takes hostile resources one by one: a NUL, half an emoji, a year-0 time or a patient where a type belongs never reach the database, and the rest of the notification still counts', async () => {
    const name = `${patient.name[0]?.given[0]} ${patient.name[0]?.family}`;
    const hostile = [
      { ...pump('pump-nul', 'inactive'), id: 'pump\u0000nul' },
      { ...pump('pump-emoji', 'inactive'), type: { text: 'Infusion pump \uD83D' } },
      { ...pump('pump-year0', 'inactive'), meta: { lastUpdated: '0000-01-01T00:00:00Z' } },
      { ...pump('pump-named', 'inactive'), type: { text: name } },
      pump('pump-fine', 'inactive'),
    ];
    const answer = await notify(bundle('event-notification', hostile.map((resource) => ({ resource }))));
    expect(answer.status).toBe(200);
    expect(answer.body.accepted).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(answer.body)).not.toContain(patient.name[0]?.family ?? 'x');
    await inboxCorrelated(h?.db.url ?? '');
    const { stdout: dump } = await promisify(execFile)('pg_dump', ['--data-only', '--inserts', h?.db.url ?? ''], { maxBuffer: 256 * 1024 * 1024 });
    for (const secret of [...SECRETS, 'carolee951', 'sanford861']) expect([secret, dump.toLowerCase().includes(secret.toLowerCase())]).toEqual([secret, false]);
    expect(dump).toContain('Device/pump-fine');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { ManualClock } from '../src/actors/clock.js';
import type { EnrichedContext } from '../src/correlation/canonical-event.js';
import type { TicketEvent } from '../src/correlation/tickets.js';
import { OutboxRelay } from '../src/modules/helpdesk/outbox-relay.js';
import { Timekeeper } from '../src/modules/runtime/timekeeper.js';
import { fixtureBundle, resourcesOf, TestFhirServer } from './enrichment-support.js';
import { canonical, createTestDatabase, eventually, getJson, postJson, startCorral, TestNats, withClient, type RunningCorral, type TestDatabase } from './support/harness.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

// corral against a real FHIR R4 server (Medplum's router on an in-memory repository) loaded with
// the Synthea hospitals and the departments, wards and devices of test/fixtures/fhir.

const FHIR_TOKEN = 'test-fhir-token-abc';
const TIMEOUT_MS = 600;
const HALF_OPEN_MS = 1000;
// Synthea's organizations are found by their identifier (the Synthea id is its value).
const OVERLAKE = 'c809c579-2e8f-377c-a6c8-358d22454adb';
const EVERGREEN = 'b363924b-d465-3419-bab0-ed824da2e498';
const WOODINVILLE = '5dfa4a4d-4ec2-3045-b5b3-f8f10999639d';
const SWEDISH = '9eb96c8c-b110-3803-80a1-3f7f05b3155a';
const WEBHOOK_SECRET = 'test-webhook-secret-0123456789abcdef';
const T0 = new Date('2026-11-24T07:00:00.000Z');

interface IncidentView {
  id: string;
  childCount: number;
  context: EnrichedContext | null;
  facilities: string[];
}

let fhir: TestFhirServer;
let db: TestDatabase;
let nats: TestNats;
let corral: RunningCorral;
let helpdesk: WebhookReceiver;
const clock = new ManualClock(T0);

beforeAll(async () => {
  fhir = await TestFhirServer.start(resourcesOf(fixtureBundle('synthea-hospitals.json'), fixtureBundle('hospital-directory.json')), { token: FHIR_TOKEN });
  helpdesk = await new WebhookReceiver().start();
  const file = join(mkdtempSync(join(tmpdir(), 'corral-helpdesk-')), 'helpdesk.yaml');
  writeFileSync(file, `webhooks:\n  - { name: helpdesk, url: "${helpdesk.url}", format: corral, secretEnv: CORRAL_TEST_WEBHOOK_SECRET, queues: ["*"], timeout: 2s, maxAttempts: 5 }\n`);
  db = await createTestDatabase();
  nats = await TestNats.open();
  corral = await startCorral(
    {
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      CORRAL_HELPDESK_FILE: file,
      CORRAL_TEST_WEBHOOK_SECRET: WEBHOOK_SECRET,
      RELAY_POLL_MS: '60000',
      TIMER_POLL_MS: '60000',
      FHIR_BASE_URL: fhir.baseUrl,
      FHIR_TOKEN,
      FHIR_TIMEOUT_MS: String(TIMEOUT_MS),
      FHIR_BREAKER_FAILURES: '2',
      FHIR_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
    },
    { clock },
  );
});

afterAll(async () => {
  await corral?.close();
  await nats?.close();
  await db?.drop();
  await helpdesk?.stop();
  await fhir?.stop();
});

const incidents = async () => (await getJson<{ items: IncidentView[] }>(`${corral.baseUrl}/v1/incidents?limit=500`)).body.items;
// Facilities are kept in lower case (codes are compared without case); the directory is asked with the code as sent.
const incidentFor = async (facility: string) => (await incidents()).find((i) => i.facilities.includes(facility.toLowerCase()));
const lookupRows = (key: string) =>
  withClient(db.url, async (c) => (await c.query<{ outcome: string; resource_types: string[]; queries: string[]; fields_kept: string[]; kept: Record<string, unknown> }>(`SELECT * FROM enrichment_lookup WHERE key = $1 ORDER BY id`, [key])).rows);

async function ticketEvents(): Promise<TicketEvent[]> {
  clock.set(new Date(T0.getTime() + 5 * 60_000)); // past groupWait: tickets open
  await corral.app.get(Timekeeper).poll();
  const relay = corral.app.get(OutboxRelay);
  await eventually(
    async () => {
      await relay.pass();
      return relay.depth();
    },
    (depth) => depth === 0,
  );
  return helpdesk.accepted<TicketEvent>().map((t) => t.body);
}

describe('FHIR directory enrichment', () => {
  it('puts facility, department, ward hierarchy and device owner on the incident and its ticket', async () => {
    const event = canonical({ id: 'pump-1', system: 'alaris-pumps', errorSignature: 'PUMP_OFFLINE', facility: OVERLAKE, department: 'OHMC-ED', location: 'OHMC-4W', labels: { device: 'PUMP-0042' } });
    expect((await postJson(`${corral.baseUrl}/v1/events?wait=correlated`, event)).status).toBe(202);

    const expected: EnrichedContext = {
      enrichment: 'ok',
      facilityName: 'OVERLAKE HOSPITAL MEDICAL CENTER',
      // The site is the top of the ward's own partOf chain: ward → floor → building → hospital.
      siteName: 'OVERLAKE HOSPITAL MEDICAL CENTER',
      departmentName: 'OVERLAKE EMERGENCY DEPARTMENT',
      locationPath: ['OVERLAKE HOSPITAL MEDICAL CENTER', 'NORTH TOWER', 'NORTH TOWER FLOOR 4', '4 WEST CARDIOLOGY'],
      deviceType: 'Infusion pump',
      deviceOwner: 'OVERLAKE BIOMEDICAL ENGINEERING',
    };
    const listed = await incidentFor(OVERLAKE);
    expect(listed?.context).toEqual(expected);
    const detail = await getJson<IncidentView>(`${corral.baseUrl}/v1/incidents/${listed?.id ?? ''}`);
    expect(detail.body.context).toEqual(expected);

    const opened = (await ticketEvents()).find((t) => t.type === 'ticket.opened' && t.incident.id === listed?.id);
    expect(opened?.incident.context).toEqual(expected);

    // Each question is recorded with what was asked and what was kept.
    const [facility] = await lookupRows(`facility|${OVERLAKE}`);
    expect(facility).toMatchObject({ outcome: 'found', resource_types: ['Organization'], fields_kept: ['facilityName', 'siteName'] });
    expect(facility?.queries).toEqual([`Organization?identifier=${OVERLAKE}&_count=2`]);
    const [device] = await lookupRows('device|PUMP-0042');
    expect(device).toMatchObject({ outcome: 'found', resource_types: ['Device', 'Organization', 'Location'], kept: { deviceType: 'Infusion pump', deviceOwner: 'OVERLAKE BIOMEDICAL ENGINEERING' } });
    // The server was asked with the configured bearer token (it answers 401 otherwise) and only for directory types.
    expect(fhir.requests.every((r) => /^GET \/(Location|Organization|HealthcareService|Device|Endpoint)[/?]/.test(r))).toBe(true);
  });

  it('asks once per key however many events arrive at once, over HTTP and over NATS', async () => {
    const storm = Array.from({ length: 1000 }, (_, n) => canonical({ id: `adt-${n}`, system: 'epic-adt', errorSignature: 'ADT_QUEUE_BACKLOG', facility: EVERGREEN }));
    // Ten concurrent requests of a hundred: coalescing must hold across callers, not only within one.
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => postJson<{ accepted: number }>(`${corral.baseUrl}/v1/events?wait=correlated`, storm.slice(i * 100, i * 100 + 100))));
    expect(answers.reduce((n, a) => n + a.body.accepted, 0)).toBe(1000);
    expect(fhir.requests.filter((r) => r.includes(EVERGREEN))).toEqual([`GET /Organization?identifier=${EVERGREEN}&_count=2`]);
    expect((await incidentFor(EVERGREEN))?.context?.facilityName).toBe('EVERGREENHEALTH MEDICAL CENTER');

    const js = jetstream(nats.nc);
    const encoder = new TextEncoder();
    await Promise.all(
      Array.from({ length: 300 }, (_, n) =>
        js.publish(nats.subjects.in('canonical'), encoder.encode(JSON.stringify(canonical({ id: `wuc-${n}`, system: 'badge-printers', errorSignature: 'OFFLINE', facility: WOODINVILLE })))),
      ),
    );
    const woodinville = await eventually(() => incidentFor(WOODINVILLE), (i) => i?.childCount === 300);
    expect(woodinville?.context).toEqual({ enrichment: 'ok', facilityName: 'WOODINVILLE URGENT CARE', siteName: 'WOODINVILLE URGENT CARE' });
    expect(fhir.count(`GET /Organization?identifier=${WOODINVILLE}`)).toBe(1);
    expect(await lookupRows(`facility|${WOODINVILLE}`)).toHaveLength(1);
  });

  it('keeps ingesting when the EHR hangs or dies: no wait beyond the timeout, breaker open, context filled in once it is back', async () => {
    const post = async (id: string) => {
      const started = Date.now();
      const { status } = await postJson(`${corral.baseUrl}/v1/events?wait=correlated`, canonical({ id, system: 'pacs', errorSignature: 'DICOM_TIMEOUT', facility: SWEDISH }));
      return { status, ms: Date.now() - started };
    };

    // A stuck EHR: the request is abandoned at the timeout and the event goes on without context.
    fhir.hang = true;
    const stuck = await post('pacs-0');
    expect(stuck.status).toBe(202);
    expect(stuck.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(stuck.ms).toBeLessThan(TIMEOUT_MS + 1500);

    // A dead EHR: connections refused; after the second consecutive failure the breaker opens.
    fhir.hang = false;
    await fhir.stop();
    for (let n = 1; n <= 10; n++) {
      const { status, ms } = await post(`pacs-${n}`);
      expect([n, status]).toEqual([n, 202]);
      expect(ms).toBeLessThan(TIMEOUT_MS + 500);
    }
    const down = await incidentFor(SWEDISH);
    expect(down).toMatchObject({ childCount: 11, context: { enrichment: 'unavailable' } });
    // Two questions reached (or tried to reach) the server; the open breaker sent nothing for the other nine.
    const failed = await eventually(() => lookupRows(`facility|${SWEDISH}`), (rows) => rows.length >= 2);
    expect(failed.map((r) => r.outcome)).toEqual(['failed', 'failed']);

    // The EHR is back: after the breaker's pause the next event is enriched and fills in the incident.
    await fhir.listen();
    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_MS + 100));
    expect((await post('pacs-11')).status).toBe(202);
    const back = await eventually(() => incidentFor(SWEDISH), (i) => i?.context?.enrichment === 'ok');
    expect(back).toMatchObject({ childCount: 12, context: { enrichment: 'ok', facilityName: 'SWEDISH ISSAQUAH', siteName: 'SWEDISH ISSAQUAH' } });
    const timeline = await getJson<unknown>(`${corral.baseUrl}/v1/incidents/${back?.id ?? ''}/timeline`);
    expect(JSON.stringify(timeline.body)).toContain('incident.enriched');
  });

  it('caches "not found" too: an unknown code is asked once and the event goes on', async () => {
    const before = fhir.count('GET /Organization?identifier=NO-SUCH-SITE');
    for (let n = 0; n < 3; n++) await postJson(`${corral.baseUrl}/v1/events?wait=correlated`, canonical({ id: `unknown-${n}`, system: 'wifi', errorSignature: 'AP_DOWN', facility: 'NO-SUCH-SITE' }));
    const incident = await incidentFor('NO-SUCH-SITE');
    // The directory answered (nothing there): ok, with no names.
    expect(incident).toMatchObject({ childCount: 3, context: { enrichment: 'ok' } });
    expect(Object.keys(incident?.context ?? {})).toEqual(['enrichment']);
    expect(fhir.count('GET /Organization?identifier=NO-SUCH-SITE') - before).toBe(1);
    expect((await lookupRows('facility|NO-SUCH-SITE')).map((r) => r.outcome)).toEqual(['not-found']);
  });
});

import type { Patient } from '@medplum/fhirtypes';
import { spawnCorral, type SpawnedCorral } from './adapters/spawned-corral.js';
import { fixtureBundle, resourcesOf, TestFhirServer } from './enrichment-support.js';
import { apiFetch, canonical, eventually, withClient } from './support/harness.js';

// A FHIR server that answers with more than it was asked: a room with its occupant contained in it,
// an insulin pump bound to a patient, and a Patient slipped into every search Bundle. None of it may
// reach corral's tables, API answers or logs (a spawned corral logging at trace level).

const OVERLAKE = 'c809c579-2e8f-377c-a6c8-358d22454adb';
const patientBundle = fixtureBundle('synthea-patient-carolee951.json');
const patient = patientBundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource as Patient;
const name = patient.name?.[0];
const NEEDLES = [
  patient.id,
  ...(name?.given ?? []),
  name?.family,
  patient.birthDate,
  ...(patient.identifier ?? []).map((i) => i.value),
  ...(patient.telecom ?? []).map((t) => t.value),
  ...(patient.address ?? []).flatMap((a) => a.line ?? []),
]
  .filter((n): n is string => typeof n === 'string' && n.length >= 4)
  .map((n) => n.toLowerCase());

describe('patient-bearing directory answers', () => {
  let fhir: TestFhirServer;
  let corral: SpawnedCorral;
  const responses: string[] = [];

  beforeAll(async () => {
    const resources = resourcesOf(
      fixtureBundle('synthea-hospitals.json'),
      fixtureBundle('hospital-directory.json'),
      fixtureBundle('hospital-directory-patient-bearing.json'),
      { resourceType: 'Bundle', type: 'collection', entry: [{ resource: patient }] },
    );
    fhir = await TestFhirServer.start(resources);
    // Every search Bundle also carries the patient, once as a match and once as an include.
    fhir.tamper = (body) =>
      body.resourceType === 'Bundle'
        ? { ...body, entry: [...((body.entry as unknown[] | undefined) ?? []), { resource: patient, search: { mode: 'match' } }, { resource: patient, search: { mode: 'include' } }] }
        : body;
    corral = await spawnCorral({ LOG_LEVEL: 'trace', FHIR_BASE_URL: fhir.baseUrl });
  });
  afterAll(async () => {
    await corral?.stop();
    await fhir?.stop();
  });

  const get = async (path: string) => {
    const text = await (await apiFetch(`${corral.baseUrl}${path}`)).text();
    responses.push(text);
    return JSON.parse(text) as unknown;
  };

  it('keeps names and types only, and never asks for a Patient', async () => {
    const event = canonical({ id: 'bedside-1', system: 'insulin-pumps', errorSignature: 'PUMP_OFFLINE', facility: OVERLAKE, location: 'OHMC-4W-412', labels: { device: 'PUMP-0099' } });
    const posted = await apiFetch(`${corral.baseUrl}/v1/events?wait=correlated`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) });
    responses.push(await posted.text());
    expect(posted.status).toBe(202);

    type Listed = { items: Array<{ id: string; context: Record<string, unknown> | null }> };
    const [incident] = (await eventually(() => get('/v1/incidents') as Promise<Listed>, (l) => l.items.length === 1)).items;
    // What is kept: the pump's type (no owner, no place: it is a patient's), the room's path, the hospital.
    expect(incident?.context).toEqual({
      enrichment: 'ok',
      facilityName: 'OVERLAKE HOSPITAL MEDICAL CENTER',
      siteName: 'OVERLAKE HOSPITAL MEDICAL CENTER',
      locationPath: ['OVERLAKE HOSPITAL MEDICAL CENTER', 'NORTH TOWER', 'NORTH TOWER FLOOR 4', '4 WEST CARDIOLOGY', 'ROOM 412'],
      deviceType: 'Insulin pump',
    });
    await get(`/v1/incidents/${incident?.id ?? ''}`);
    await get(`/v1/incidents/${incident?.id ?? ''}/timeline`);

    // A patient-bound device is not followed any further: one search, no owner or location reads.
    expect(fhir.requests.filter((r) => r.startsWith('GET /Device'))).toEqual(['GET /Device?identifier=PUMP-0099&_count=2']);
    expect(fhir.requests.some((r) => /Patient|Encounter|Observation/.test(r))).toBe(false);
    expect(fhir.requests.length).toBeGreaterThanOrEqual(5);

    const tables = await withClient(corral.db.url, async (c) => {
      const names = await c.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
      const rows: string[] = [];
      for (const { table_name } of names.rows) rows.push(...(await c.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`)).rows.map((r) => r.row));
      return { names: names.rows.map((r) => r.table_name), dump: rows.join('\n') };
    });
    expect(tables.names).toEqual(expect.arrayContaining(['incident', 'journal', 'enrichment_lookup']));
    // The lookups were recorded (so the dump really holds what came back from the server).
    expect(tables.dump).toContain('device|PUMP-0099');
    expect(tables.dump).toContain('ROOM 412');

    const places = { database: tables.dump, 'API responses': responses.join('\n'), logs: corral.output() };
    expect(NEEDLES.length).toBeGreaterThan(5);
    for (const [place, haystack] of Object.entries(places)) {
      const found = NEEDLES.filter((needle) => haystack.toLowerCase().includes(needle));
      expect([place, found]).toEqual([place, []]);
    }
  });
});

import { readFileSync } from 'node:fs';
import { ACCESS_MATRIX } from '../src/modules/auth/access-matrix.js';
import { ROLES, type Role } from '../src/modules/auth/roles.js';
import { apiFetch, getJson, postJson, useCorralSuite } from './support/harness.js';

interface Patient {
  name: Array<{ given: string[]; family: string }>;
  identifier: Array<{ value: string }>;
  birthDate: string;
  telecom: Array<{ value: string }>;
  address: Array<{ line: string[]; city: string; postalCode: string }>;
}
// The Synthea patient's identifiers, read from the fixture rather than retyped.
const bundle = JSON.parse(readFileSync(new URL('./fixtures/fhir/synthea-patient-carolee951.json', import.meta.url), 'utf8')) as {
  entry: Array<{ resource: Patient & { resourceType: string } }>;
};
const patient = bundle.entry.find((e) => e.resource.resourceType === 'Patient')?.resource as Patient;
const given = patient.name[0]?.given[0] ?? '';
const family = patient.name[0]?.family ?? '';
const mrn = patient.identifier[1]?.value ?? '';
const ssn = patient.identifier.find((i) => /^\d{3}-\d{2}-\d{4}$/.test(i.value))?.value ?? '';
const phone = patient.telecom[0]?.value ?? '';
const street = patient.address[0]?.line[0] ?? '';
const NEEDLES = [given, family, mrn, ssn, ssn.replace(/-/g, ''), patient.birthDate, phone, street, patient.address[0]?.postalCode ?? '']
  .filter((n) => n.length >= 4)
  .map((n) => n.toLowerCase());

const report = (n: number) => ({
  id: `INC-ROLE-LEAK-${n}`,
  channel: 'phone',
  text: `Patient ${given} ${family} (MRN ${mrn}, DOB ${patient.birthDate}, SSN ${ssn}, tel ${phone}, ${street}) wristband printer jams`,
  requester: `nurse.${n}@overlake.example`,
  system: 'zebra-wristband',
  facility: 'overlake',
});

/**
 * Every role reads every GET route it may read, about an incident built from reports carrying a
 * real-looking patient's identifiers: no identifier comes back to anyone, and leadership gets
 * neither requester tokens nor free text, only suppressed small counts.
 */
describe('what each role receives', () => {
  const suite = useCorralSuite({ CORRAL_SMALL_COUNT_THRESHOLD: '5' });
  const responses = new Map<Role, string[]>();
  let tokens: string[] = [];
  let incidentId = '';

  beforeAll(async () => {
    expect(NEEDLES.length).toBeGreaterThanOrEqual(6);
    for (const n of [1, 2, 3]) expect((await postJson(`${suite.corral.baseUrl}/v1/ingest/helpdesk?wait=correlated`, report(n))).status).toBe(202);
    const list = await getJson<{ items: Array<{ id: string; system: string }> }>(`${suite.corral.baseUrl}/v1/incidents`);
    incidentId = list.body.items.find((i) => i.system === 'zebra-wristband')?.id ?? '';
    const detail = await getJson<{ children: Array<{ requesterToken?: string }> }>(`${suite.corral.baseUrl}/v1/incidents/${incidentId}`);
    tokens = detail.body.children.flatMap((c) => (c.requesterToken ? [c.requesterToken] : []));

    for (const role of ROLES) {
      const { key } = await suite.corral.mintKey(role, { label: `leak ${role}` });
      const bodies: string[] = [];
      for (const [route, access] of Object.entries(ACCESS_MATRIX)) {
        const [method, path = ''] = route.split(' ');
        if (method !== 'GET' || access.roles === 'public' || !access.roles.includes(role)) continue;
        for (const query of path === '/v1/audit' ? ['', '?format=fhir'] : ['']) {
          const response = await apiFetch(`${suite.corral.baseUrl}${path.replace(':id', incidentId).replace(':source', 'helpdesk')}${query}`, {}, { key });
          bodies.push(`${route}${query} → ${response.status} ${await response.text()}`);
        }
      }
      responses.set(role, bodies);
    }
  });

  it('has something to leak: three distinct requesters were tokenised', () => {
    expect(incidentId).not.toBe('');
    expect(new Set(tokens).size).toBe(3);
  });

  it.each(ROLES)('never sends the patient identifiers to %s', (role) => {
    const bodies = responses.get(role) ?? [];
    expect(bodies.length).toBeGreaterThan(0);
    const leaks = bodies.flatMap((body) => NEEDLES.filter((needle) => body.toLowerCase().includes(needle)).map((needle) => `${needle} in ${body.slice(0, 80)}`));
    expect(leaks).toEqual([]);
  });

  it('gives leadership no requester token, no free text, and counts below the threshold as "<5"', async () => {
    const bodies = (responses.get('leadership') ?? []).join('\n');
    expect(bodies).toContain('/v1/incidents → 200');
    for (const token of tokens) expect(bodies).not.toContain(token);
    expect(bodies).not.toMatch(/requesterToken|"title"|"signature"|"children"|wristband printer jams|nurse\./i);

    const seen = await getJson<{ items: Array<Record<string, unknown>> }>(`${suite.corral.baseUrl}/v1/incidents`, { key: (await suite.corral.mintKey('leadership')).key });
    expect(seen.body.items[0]).toEqual(expect.objectContaining({ id: incidentId, system: 'zebra-wristband', distinctRequesters: '<5', childCount: '<5' }));
  });

  it('still gives agents the tokens they need to notify requesters', () => {
    const bodies = (responses.get('agent') ?? []).join('\n');
    for (const token of tokens) expect(bodies).toContain(token);
  });
});

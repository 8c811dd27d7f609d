import type { AuditEvent, Bundle } from 'fhir/r4.js';
import { canonical, getJson, postJson, useCorralSuite } from './support/harness.js';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
// FHIR R4 datatypes: id, instant, and the AuditEvent elements (anything else would be invalid JSON for the resource).
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const INSTANT = /^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/;
const AUDIT_EVENT_ELEMENTS = new Set(['resourceType', 'id', 'meta', 'text', 'extension', 'type', 'subtype', 'action', 'period', 'recorded', 'outcome', 'outcomeDesc', 'purposeOfEvent', 'agent', 'source', 'entity']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Structural R4 AuditEvent check: required elements present, cardinalities, and codes from their own systems. */
function problemsOf(event: AuditEvent): string[] {
  const problems: string[] = [];
  const expect = (ok: boolean, what: string) => {
    if (!ok) problems.push(`${event.id ?? '?'}: ${what}`);
  };
  expect(event.resourceType === 'AuditEvent', 'resourceType');
  expect(typeof event.id === 'string' && ID.test(event.id), 'id is a FHIR id');
  for (const key of Object.keys(event)) expect(AUDIT_EVENT_ELEMENTS.has(key), `unknown element ${key}`);
  expect(event.type.system === DCM && ['110100', '110112', '110106'].includes(event.type.code ?? ''), 'type is DCM 110100/110112/110106');
  expect(INSTANT.test(event.recorded), 'recorded is an instant');
  expect(event.action === undefined || ['C', 'R', 'U', 'D', 'E'].includes(event.action), 'action from audit-event-action');
  expect(['0', '4', '8', '12'].includes(event.outcome ?? ''), 'outcome from audit-event-outcome');
  expect((event.subtype ?? []).every((c) => typeof c.system === 'string' && typeof c.code === 'string'), 'subtype codings have system and code');
  expect(Array.isArray(event.agent) && event.agent.length >= 1, 'agent 1..*');
  for (const agent of event.agent) {
    expect(typeof agent.requestor === 'boolean', 'agent.requestor 1..1');
    expect(agent.who !== undefined && (agent.who.identifier?.value !== undefined || agent.who.reference !== undefined), 'agent.who names someone');
    expect((agent.type?.coding ?? []).every((c) => c.system === PARTICIPATION), 'agent.type from v3-ParticipationType');
  }
  expect(event.source.observer.display !== undefined || event.source.observer.reference !== undefined, 'source.observer 1..1');
  expect((event.source.type ?? []).every((c) => c.system === SOURCE_TYPE), 'source.type from security-source-type');
  for (const entity of event.entity ?? []) {
    expect(entity.role?.system === OBJECT_ROLE && ['20', '23', '24'].includes(entity.role.code ?? ''), 'entity.role object-role 20/23/24');
    expect(entity.type?.system === ENTITY_TYPE, 'entity.type from audit-entity-type');
    expect(entity.what !== undefined || entity.query !== undefined, 'entity names what or carries the query');
    expect(entity.query === undefined || BASE64.test(entity.query), 'entity.query is base64Binary');
    // sev-2 (R4 AuditEvent invariant): either name or query, never both.
    expect(!(entity.name !== undefined && entity.query !== undefined), 'sev-2: name and query are exclusive');
  }
  return problems;
}

describe('FHIR R4 AuditEvent export', () => {
  const suite = useCorralSuite();

  beforeAll(async () => {
    expect((await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, [1, 2].map((n) => canonical({ id: `ris-${n}`, system: 'ris', errorSignature: 'HL7_AR' })))).status).toBe(202);
    const list = await getJson<{ items: Array<{ id: string }> }>(`${suite.corral.baseUrl}/v1/incidents`);
    const id = list.body.items[0]?.id;
    expect((await getJson(`${suite.corral.baseUrl}/v1/incidents/${id ?? 'none'}`)).status).toBe(200);
    // The first export is itself on the record when the second one runs.
    expect((await getJson(`${suite.corral.baseUrl}/v1/audit?format=fhir&limit=5`)).status).toBe(200);
  });

  it('exports the trail as a searchset Bundle of structurally valid AuditEvents', async () => {
    const response = await fetch(`${suite.corral.baseUrl}/v1/audit?format=fhir&limit=1000`, { headers: { authorization: `Bearer ${suite.corral.adminKey}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const bundle = (await response.json()) as Bundle<AuditEvent>;

    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('searchset');
    const events = (bundle.entry ?? []).map((e) => e.resource as AuditEvent);
    expect(events.length).toBeGreaterThan(3);
    expect((bundle.entry ?? []).every((e) => typeof e.fullUrl === 'string' && e.fullUrl.startsWith('urn:uuid:'))).toBe(true);
    expect(events.flatMap(problemsOf)).toEqual([]);
  });

  it('uses each DCM event type and each entity role for what it means', async () => {
    const bundle = (await getJson<Bundle<AuditEvent>>(`${suite.corral.baseUrl}/v1/audit?format=fhir&limit=1000`)).body;
    const events = (bundle.entry ?? []).map((e) => e.resource as AuditEvent);
    const byType = (code: string) => events.filter((e) => e.type.code === code);

    // Decisions (journal) are application activity, with the incident (job) and the rule (routing criteria).
    expect(byType('110100').some((e) => e.entity?.some((x) => x.role?.code === '20') && e.entity.some((x) => x.role?.code === '23'))).toBe(true);
    // A read of incident details is a query naming the incident and answered with a REST subtype.
    expect(byType('110112').some((e) => e.subtype?.some((c) => c.code === 'incident.read') && e.subtype.some((c) => c.system === AUDIT_EVENT_TYPE && c.code === 'rest') && e.entity?.some((x) => x.role?.code === '20'))).toBe(true);
    // The earlier export is an export, carrying the query it ran.
    expect(byType('110106').some((e) => e.entity?.some((x) => x.role?.code === '24' && Buffer.from(x.query ?? '', 'base64').toString().includes('format=fhir')))).toBe(true);
    // Humans and keys are requestors; corral's own decisions are not.
    expect(byType('110100').some((e) => e.agent[0]?.requestor === false && e.agent[0].who?.display === 'corral')).toBe(true);
  });

  it('pages with a next link that continues where the page ended', async () => {
    const first = (await getJson<Bundle<AuditEvent>>(`${suite.corral.baseUrl}/v1/audit?format=fhir&limit=2`)).body;
    const next = first.link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBeDefined();
    const second = (await getJson<Bundle<AuditEvent>>(new URL(next ?? '', suite.corral.baseUrl).toString())).body;
    const ids = (b: Bundle<AuditEvent>) => (b.entry ?? []).map((e) => e.resource?.id);
    expect(ids(second)).toHaveLength(2);
    expect(ids(second).filter((id) => ids(first).includes(id))).toEqual([]);
  });
});

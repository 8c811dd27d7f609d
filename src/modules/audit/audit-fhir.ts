import { createHash } from 'node:crypto';
import type { AuditEvent, AuditEventEntity, Bundle, Coding } from 'fhir/r4.js';
import type { AuditEntryView, AuditPage } from './audit-entry.js';

export const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
export const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
export const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
export const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
export const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const CORRAL = 'urn:corral';

const TYPES = {
  activity: { system: DCM, code: '110100', display: 'Application Activity' },
  query: { system: DCM, code: '110112', display: 'Query' },
  export: { system: DCM, code: '110106', display: 'Export' },
} satisfies Record<string, Coding>;

/** How each trail entry is classified; the action name carries the kind of access (see access-matrix.ts). */
function kindOf(entry: AuditEntryView): keyof typeof TYPES {
  if (entry.source === 'decision') return 'activity';
  if (entry.detail.format === 'fhir') return 'export';
  return entry.detail.type === 'query' ? 'query' : 'activity';
}

/**
 * The trail as a FHIR R4 Bundle (searchset) of AuditEvent resources, DICOM-style: type from DCM
 * (110100 application activity for decisions and commands, 110112 query for reads, 110106 export
 * for this very export), action E/R/U, outcome 0/4/8/12, the actor as agent, corral as source,
 * and entities for the incident (object role 20 job), the rule behind a decision (23 routing
 * criteria) and the query that was run (24 query).
 */
export function toAuditBundle(page: AuditPage, baseUrl: string, now: Date, filters: Record<string, string | number | undefined> = {}): Bundle<AuditEvent> {
  // Relative, so it works behind whatever host and proxy the auditor reached corral through.
  const next = (cursor: string) => {
    const params = new URLSearchParams(Object.entries({ ...filters, format: 'fhir', cursor }).flatMap(([k, v]): Array<[string, string]> => (v === undefined ? [] : [[k, String(v)]])));
    return `/v1/audit?${params.toString()}`;
  };
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: now.toISOString(),
    ...(page.nextCursor ? { link: [{ relation: 'next', url: next(page.nextCursor) }] } : {}),
    entry: page.items.map((entry) => {
      const id = resourceId(entry);
      return { fullUrl: `urn:uuid:${id}`, resource: toAuditEvent(entry, id, baseUrl), search: { mode: 'match' as const } };
    }),
  };
}

export function toAuditEvent(entry: AuditEntryView, id: string, baseUrl: string): AuditEvent {
  const kind = kindOf(entry);
  const isSystem = entry.actorKind === 'system';
  return {
    resourceType: 'AuditEvent',
    id,
    type: TYPES[kind],
    subtype: [
      { system: `${CORRAL}:action`, code: entry.action },
      ...(entry.source === 'access' && entry.actorKind !== 'cli' ? [{ system: AUDIT_EVENT_TYPE, code: 'rest', display: 'RESTful Operation' }] : []),
    ],
    action: kind === 'activity' ? (entry.source === 'decision' ? 'E' : 'U') : entry.target ? 'R' : 'E',
    recorded: entry.recordedAt,
    outcome: String(entry.outcome),
    ...(entry.outcome !== 0 && typeof entry.detail.reason === 'string' ? { outcomeDesc: entry.detail.reason } : {}),
    agent: [
      {
        type: { coding: [kind === 'activity' ? { system: PARTICIPATION, code: 'PRF', display: 'performer' } : { system: PARTICIPATION, code: 'IRCP', display: 'information recipient' }] },
        who: { identifier: { system: `${CORRAL}:${isSystem ? 'system' : entry.actorKind}`, value: entry.actor }, display: entry.actor },
        ...(entry.role ? { role: [{ coding: [{ system: `${CORRAL}:role`, code: entry.role }] }] } : {}),
        requestor: !isSystem,
      },
    ],
    source: {
      site: baseUrl,
      observer: { display: 'corral' },
      type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity: entitiesOf(entry),
  };
}

function entitiesOf(entry: AuditEntryView): AuditEventEntity[] {
  const entities: AuditEventEntity[] = [];
  if (entry.target) {
    entities.push({
      what: { identifier: { system: `${CORRAL}:incident`, value: entry.target } },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '20', display: 'Job' },
      name: 'incident',
    });
  }
  if (entry.ruleId) {
    entities.push({
      what: { identifier: { system: `${CORRAL}:rule`, value: entry.ruleId } },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '23', display: 'Routing Criteria' },
      name: 'rule',
    });
  }
  if (typeof entry.detail.query === 'string') {
    entities.push({
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      role: { system: OBJECT_ROLE, code: '24', display: 'Query' },
      query: Buffer.from(entry.detail.query).toString('base64'),
      // sev-2: an entity has a name or a query, not both; the route goes in the description.
      ...(typeof entry.detail.route === 'string' ? { description: entry.detail.route } : {}),
    });
  }
  return entities;
}

/** FHIR ids allow [A-Za-z0-9-.]{1,64}; a UUID-shaped digest of the trail key is stable across exports. */
function resourceId(entry: AuditEntryView): string {
  const hex = createHash('sha256').update(`${entry.source}:${entry.key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

import type { BlastRadius, BlastTotals, IncidentBlast } from '../blast-radius/blast-radius.compute.js';
import type { BlastRadiusRange, IncidentBlastRadius } from '../blast-radius/blast-radius.service.js';
import type { Outcomes } from '../blast-radius/outcomes.js';
import { derivedFrom, disclose, EXACT, PEOPLE, type Disclosure } from '../blast-radius/suppression.js';
import { DASHBOARD_EVENT, RESPONSE_TIMES } from '../dashboard/dashboard.disclosure.js';
import type { WithAsOf } from '../inbox/freshness.js';
import type { Freshness } from '../inbox/inbox.service.js';
import type { IncidentPage, IncidentView } from '../incidents/incident.views.js';

/**
 * What leadership may see of an incident (minimum necessary, 45 CFR 164.502(b)): an allow-list, so
 * a field added to the incident later stays hidden until someone decides leadership needs it.
 * Left out as "free text or personal": the title (built from what a reporter or tool wrote), the
 * signature (it can carry normalised symptom words), suggestion titles, who acknowledged it, the
 * enrichment context, and every child (requester tokens, source event ids). Its people counts are
 * suppressed like every other leadership answer's (suppression.ts).
 */
export interface LeadershipIncidentView {
  id: string;
  status: string;
  severity: string;
  priority: string;
  queue: string | null;
  system: string;
  facilities: string[];
  departments: string[];
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  parentId: string | null;
  mergedInto: string | null;
  patientImpact: boolean;
  childCount: number;
  distinctRequesters: number;
}

export function toLeadershipIncident(view: IncidentView): LeadershipIncidentView {
  return {
    id: view.id,
    status: view.status,
    severity: view.severity,
    priority: view.priority,
    queue: view.queue,
    system: view.system,
    facilities: view.facilities,
    departments: view.departments,
    firstSeen: view.firstSeen,
    lastSeen: view.lastSeen,
    resolvedAt: view.resolvedAt,
    parentId: view.parentId,
    mergedInto: view.mergedInto,
    patientImpact: view.patientImpact,
    childCount: view.childCount,
    distinctRequesters: view.distinctRequesters,
  };
}

// What each number of each leadership answer is (suppression.ts): the compiler asks for every one.
// How fresh an answer is: inbox positions and the count of events waiting, all sources together,
// which says nothing of any ward or person.
const AS_OF: Disclosure<Freshness> = { position: EXACT, pending: EXACT };
const LEADERSHIP_PAGE: Disclosure<WithAsOf<{ items: LeadershipIncidentView[] }>> = { items: { childCount: PEOPLE, distinctRequesters: PEOPLE }, asOf: AS_OF };
const TOTALS: Disclosure<BlastTotals> = { incidents: EXACT, facilitiesAffected: EXACT, peopleAffected: PEOPLE, p1: EXACT, patientImpact: EXACT, longestOpen: { ageSeconds: EXACT } };
const INCIDENT_BLAST: Disclosure<IncidentBlast> = {
  dependsOn: {},
  facilities: { childCount: PEOPLE, requesters: PEOPLE },
  childCount: PEOPLE,
  distinctRequesters: PEOPLE,
  ageSeconds: EXACT,
};
const BLAST_RADIUS: Disclosure<WithAsOf<BlastRadius>> & Disclosure<WithAsOf<BlastRadiusRange>> = {
  totals: { ...TOTALS, opened: EXACT, resolved: EXACT, peakActive: EXACT },
  incidents: INCIDENT_BLAST,
  moreIncidents: EXACT,
  facilities: { incidents: EXACT, requesters: PEOPLE },
  systems: { incidents: EXACT },
  queues: { incidents: EXACT },
  grid: { incidents: EXACT, requesters: PEOPLE },
  bucketSeconds: EXACT,
  buckets: { active: EXACT, p1Active: EXACT, opened: EXACT, resolved: EXACT, childCount: PEOPLE, requesters: PEOPLE, facilities: EXACT },
  asOf: AS_OF,
};
const INCIDENT_BLAST_RADIUS: Disclosure<WithAsOf<IncidentBlastRadius>> = {
  incident: INCIDENT_BLAST,
  growth: {
    bucketSeconds: EXACT,
    buckets: { newChildren: PEOPLE, newRequesters: PEOPLE, totalChildren: PEOPLE, totalFacilities: EXACT, totalRequesters: PEOPLE },
  },
  asOf: AS_OF,
};
const OUTCOMES: Disclosure<Outcomes> = {
  incidents: EXACT,
  // Incidents by how they opened; one opened by a call counts an incident, as the total does.
  origin: { automatic: EXACT, manual: EXACT, automaticShare: EXACT, byOrigin: { each: EXACT } },
  absorbed: { reports: PEOPLE, events: PEOPLE, perIncidentMean: derivedFrom('reports'), top: { reportsAbsorbed: PEOPLE, eventsAbsorbed: PEOPLE } },
  responseTimes: RESPONSE_TIMES,
  reroutes: { total: EXACT, incidentsRerouted: EXACT, byPath: { count: EXACT } },
};
/** Per access-matrix `leadershipView`: the body leadership gets instead of the full one. */
export const LEADERSHIP_VIEWS = {
  'incident-page': (body: unknown, threshold: number) => {
    const page = body as IncidentPage;
    return disclose({ items: page.items.map(toLeadershipIncident), nextCursor: page.nextCursor, ...(page.asOf && { asOf: page.asOf }) }, LEADERSHIP_PAGE, threshold);
  },
  'blast-radius': (body: unknown, threshold: number) => disclose(body, BLAST_RADIUS, threshold),
  'incident-blast-radius': (body: unknown, threshold: number) => disclose(body, INCIDENT_BLAST_RADIUS, threshold),
  outcomes: (body: unknown, threshold: number) => disclose(body, OUTCOMES, threshold),
  // The dashboard's page and assets are text, which passes unchanged; its stream sends frames
  // (their schema sits beside the frame's type: dashboard/dashboard.disclosure.ts).
  dashboard: (body: unknown, threshold: number) => disclose(body, DASHBOARD_EVENT, threshold),
} as const;

export type LeadershipView = keyof typeof LEADERSHIP_VIEWS;

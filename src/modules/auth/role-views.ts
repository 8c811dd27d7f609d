import { suppressPeopleCounts } from '../blast-radius/suppression.js';
import type { IncidentPage, IncidentView } from '../incidents/incident.views.js';

/**
 * What leadership may see of an incident (minimum necessary, 45 CFR 164.502(b)): an allow-list, so
 * a field added to the incident later stays hidden until someone decides leadership needs it.
 * Left out as "free text or personal": the title (built from what a reporter or tool wrote), the
 * signature (it can carry normalised symptom words), suggestion titles, who acknowledged it, the
 * enrichment context, and every child (requester tokens, source event ids). Small counts are
 * suppressed: 1..threshold-1 becomes "<threshold", so a ward with one caller cannot be singled out.
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
  childCount: number | string;
  distinctRequesters: number | string;
}

export function suppressSmall(count: number, threshold: number): number | string {
  return count > 0 && count < threshold ? `<${threshold}` : count;
}

export function toLeadershipIncident(view: IncidentView, threshold: number): LeadershipIncidentView {
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
    childCount: suppressSmall(view.childCount, threshold),
    distinctRequesters: suppressSmall(view.distinctRequesters, threshold),
  };
}

export const LEADERSHIP_VIEWS = {
  'incident-page': (body: unknown, threshold: number) => {
    const page = body as IncidentPage;
    return { items: page.items.map((item) => toLeadershipIncident(item, threshold)), nextCursor: page.nextCursor };
  },
  // Blast radius, outcomes and the dashboard are aggregates already: people counts get suppressed.
  aggregates: (body: unknown, threshold: number) => suppressPeopleCounts(body, threshold),
} as const;

/**
 * Blast radius as plain values: rows read from the incident read models in, the answer out. No
 * database, no clock (the instant is an argument), no Nest — so every rule here has a unit spec.
 */

/** One incident as the read model holds it (active at the instant asked about). */
export interface IncidentRecord {
  id: string;
  status: string;
  priority: string;
  system: string;
  queue: string | null;
  parentId: string | null;
  facilities: string[];
  departments: string[];
  childCount: number;
  distinctRequesters: number;
  patientImpact: boolean;
  openedAt: Date;
  firstSeen: Date;
  lastSeen: Date;
  /** Directory display names from enrichment (never a location path: rooms and beds stay out). */
  facilityName: string | null;
  departmentName: string | null;
}

/** Children of one incident at one facility: departments, how many children, how many distinct people. */
export interface SpreadRecord {
  incidentId: string;
  facility: string | null;
  departments: string[];
  childCount: number;
  requesters: number;
}

export interface ParentRecord {
  id: string;
  system: string;
  status: string;
}

export interface FacilitySpread {
  facility: string;
  name: string | null;
  departments: string[];
  childCount: number;
  requesters: number;
}

export interface IncidentBlast {
  id: string;
  priority: string;
  status: string;
  system: string;
  /** The upstream incident this one was attached to by a dependency rule (ADT down → lab interface). */
  dependsOn: Array<{ id: string; system: string; status: string }>;
  queue: string | null;
  facilities: FacilitySpread[];
  departments: string[];
  childCount: number;
  distinctRequesters: number;
  patientImpact: boolean;
  openedAt: string;
  firstSeen: string;
  lastSeen: string;
  ageSeconds: number;
}

export interface BlastTotals {
  incidents: number;
  facilitiesAffected: number;
  /** Distinct requester tokens across all these incidents (a person who called twice counts once). */
  peopleAffected: number;
  p1: number;
  patientImpact: number;
  longestOpen: { id: string; priority: string; system: string; openedAt: string; ageSeconds: number } | null;
}

export interface GridCell {
  facility: string;
  system: string;
  incidents: number;
  /** Sum over these incidents of their distinct requesters at this facility. */
  requesters: number;
  worstPriority: string;
}

export interface BlastRadius {
  mode: 'now' | 'at';
  at: string;
  totals: BlastTotals;
  incidents: IncidentBlast[];
  /** Incidents counted in the totals but not listed (see `limit`). */
  moreIncidents: number;
  facilities: Array<{ facility: string; name: string | null; incidents: number; requesters: number; worstPriority: string }>;
  systems: Array<{ system: string; incidents: number; dependsOn: string[]; worstPriority: string }>;
  queues: Array<{ queue: string; incidents: number }>;
  grid: GridCell[];
}

export const UNKNOWN_FACILITY = '(unknown)';

/** P1 before P2 …; anything unexpected sorts last rather than throwing. */
export function priorityRank(priority: string): number {
  const match = /^P(\d)$/.exec(priority);
  return match ? Number(match[1]) : 9;
}

export function worse(a: string, b: string): string {
  return priorityRank(a) <= priorityRank(b) ? a : b;
}

export interface BlastInput {
  mode: 'now' | 'at';
  at: Date;
  incidents: IncidentRecord[];
  spread: SpreadRecord[];
  parents: ParentRecord[];
  peopleAffected: number;
}

export function assembleBlastRadius(input: BlastInput): BlastRadius {
  const spreadOf = new Map<string, SpreadRecord[]>();
  for (const s of input.spread) {
    const group = spreadOf.get(s.incidentId);
    if (group) group.push(s);
    else spreadOf.set(s.incidentId, [s]);
  }
  const parentOf = new Map(input.parents.map((p) => [p.id, p]));
  const atMs = input.at.getTime();

  const incidents = input.incidents
    .map((row): IncidentBlast => {
      const facilities = facilitiesOf(row, spreadOf.get(row.id) ?? []);
      const parent = row.parentId ? parentOf.get(row.parentId) : undefined;
      return {
        id: row.id,
        priority: row.priority,
        status: row.status,
        system: row.system,
        dependsOn: parent ? [{ id: parent.id, system: parent.system, status: parent.status }] : [],
        queue: row.queue,
        facilities,
        departments: [...new Set([...row.departments, ...facilities.flatMap((f) => f.departments)])].sort(),
        childCount: row.childCount,
        distinctRequesters: row.distinctRequesters,
        patientImpact: row.patientImpact,
        openedAt: row.openedAt.toISOString(),
        firstSeen: row.firstSeen.toISOString(),
        lastSeen: row.lastSeen.toISOString(),
        ageSeconds: Math.max(0, Math.floor((atMs - row.openedAt.getTime()) / 1000)),
      };
    })
    .sort((a, b) => priorityRank(a.priority) - priorityRank(b.priority) || a.openedAt.localeCompare(b.openedAt) || a.id.localeCompare(b.id));

  return {
    mode: input.mode,
    at: input.at.toISOString(),
    totals: totalsOf(incidents, input.peopleAffected),
    incidents,
    moreIncidents: 0,
    facilities: facilitiesSummary(incidents),
    systems: systemsSummary(incidents),
    queues: countBy(incidents, (i) => i.queue ?? '(unrouted)').map(([queue, n]) => ({ queue, incidents: n })),
    grid: gridOf(incidents),
  };
}

/** The incident's facilities → departments, from its children; a facility known only from the row keeps zero counts. */
function facilitiesOf(row: IncidentRecord, spread: SpreadRecord[]): FacilitySpread[] {
  const byFacility = new Map<string, FacilitySpread>();
  for (const s of spread) {
    const facility = s.facility ?? UNKNOWN_FACILITY;
    const current = byFacility.get(facility) ?? { facility, name: null, departments: [], childCount: 0, requesters: 0 };
    byFacility.set(facility, {
      ...current,
      departments: [...new Set([...current.departments, ...s.departments])].sort(),
      childCount: current.childCount + s.childCount,
      requesters: current.requesters + s.requesters,
    });
  }
  for (const facility of row.facilities) if (!byFacility.has(facility)) byFacility.set(facility, { facility, name: null, departments: [], childCount: 0, requesters: 0 });
  // Enrichment names one facility per incident; it is only trustworthy when there is just one.
  const only = byFacility.size === 1 ? [...byFacility.values()][0] : undefined;
  if (only && row.facilityName) only.name = row.facilityName;
  return [...byFacility.values()].sort((a, b) => b.requesters - a.requesters || b.childCount - a.childCount || a.facility.localeCompare(b.facility));
}

export function totalsOf(incidents: IncidentBlast[], peopleAffected: number): BlastTotals {
  const facilities = new Set(incidents.flatMap((i) => i.facilities.map((f) => f.facility)).filter((f) => f !== UNKNOWN_FACILITY));
  const oldest = incidents.reduce<IncidentBlast | undefined>((best, i) => (!best || i.openedAt < best.openedAt ? i : best), undefined);
  return {
    incidents: incidents.length,
    facilitiesAffected: facilities.size,
    peopleAffected,
    p1: incidents.filter((i) => i.priority === 'P1').length,
    patientImpact: incidents.filter((i) => i.patientImpact).length,
    longestOpen: oldest ? { id: oldest.id, priority: oldest.priority, system: oldest.system, openedAt: oldest.openedAt, ageSeconds: oldest.ageSeconds } : null,
  };
}

function facilitiesSummary(incidents: IncidentBlast[]): BlastRadius['facilities'] {
  const out = new Map<string, BlastRadius['facilities'][number]>();
  for (const incident of incidents) {
    for (const f of incident.facilities) {
      const current = out.get(f.facility) ?? { facility: f.facility, name: null, incidents: 0, requesters: 0, worstPriority: incident.priority };
      out.set(f.facility, {
        facility: f.facility,
        name: current.name ?? f.name,
        incidents: current.incidents + 1,
        requesters: current.requesters + f.requesters,
        worstPriority: worse(current.worstPriority, incident.priority),
      });
    }
  }
  return [...out.values()].sort((a, b) => priorityRank(a.worstPriority) - priorityRank(b.worstPriority) || b.incidents - a.incidents || a.facility.localeCompare(b.facility));
}

function systemsSummary(incidents: IncidentBlast[]): BlastRadius['systems'] {
  const out = new Map<string, BlastRadius['systems'][number]>();
  for (const incident of incidents) {
    const current = out.get(incident.system) ?? { system: incident.system, incidents: 0, dependsOn: [], worstPriority: incident.priority };
    out.set(incident.system, {
      system: incident.system,
      incidents: current.incidents + 1,
      dependsOn: [...new Set([...current.dependsOn, ...incident.dependsOn.map((d) => d.system)])].sort(),
      worstPriority: worse(current.worstPriority, incident.priority),
    });
  }
  return [...out.values()].sort((a, b) => priorityRank(a.worstPriority) - priorityRank(b.worstPriority) || b.incidents - a.incidents || a.system.localeCompare(b.system));
}

function gridOf(incidents: IncidentBlast[]): GridCell[] {
  const out = new Map<string, GridCell>();
  for (const incident of incidents) {
    for (const f of incident.facilities) {
      const key = `${f.facility}\u0000${incident.system}`;
      const current = out.get(key) ?? { facility: f.facility, system: incident.system, incidents: 0, requesters: 0, worstPriority: incident.priority };
      out.set(key, { ...current, incidents: current.incidents + 1, requesters: current.requesters + f.requesters, worstPriority: worse(current.worstPriority, incident.priority) });
    }
  }
  return [...out.values()].sort((a, b) => a.facility.localeCompare(b.facility) || a.system.localeCompare(b.system));
}

function countBy<T>(items: T[], key: (item: T) => string): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

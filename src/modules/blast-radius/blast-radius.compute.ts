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
  const incidents = input.incidents
    .map((row) => incidentBlastOf(row, spreadOf.get(row.id) ?? [], row.parentId ? parentOf.get(row.parentId) : undefined, input.at))
    .sort(compareBlast);
  return summarise(input.mode, input.at, incidents, input.peopleAffected);
}

/** One incident's entry in the answer: its row, its children's spread and the incident it depends on, if any. */
export function incidentBlastOf(row: IncidentRecord, spread: SpreadRecord[], parent: ParentRecord | undefined, at: Date): IncidentBlast {
  const facilities = facilitiesOf(row, spread);
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
    ageSeconds: Math.max(0, Math.floor((at.getTime() - row.openedAt.getTime()) / 1000)),
  };
}

// The same order as String#localeCompare (which is defined by a default Intl.Collator), without
// looking the collator up on every one of the ~60,000 comparisons a sort of 5,000 incidents makes.
const collate = new Intl.Collator().compare;

/** Highest priority first, then oldest, then by id: the order incidents are listed in. */
export function compareBlast(a: IncidentBlast, b: IncidentBlast): number {
  return priorityRank(a.priority) - priorityRank(b.priority) || collate(a.openedAt, b.openedAt) || collate(a.id, b.id);
}

/**
 * Totals, facilities, systems, queues and the grid over `incidents`, which must already be in
 * `compareBlast` order: each group's worst priority is then that of the first incident in it.
 */
export function summarise(mode: BlastRadius['mode'], at: Date, incidents: IncidentBlast[], peopleAffected: number, tallies: Tallies = tally(incidents)): BlastRadius {
  const { facilities, systems, queues, cells, oldest, p1, patientImpact } = tallies;
  let facilitiesAffected = 0;
  for (const facility of facilities.keys()) if (facility !== UNKNOWN_FACILITY) facilitiesAffected += 1;
  return {
    mode,
    at: at.toISOString(),
    totals: {
      incidents: incidents.length,
      facilitiesAffected,
      peopleAffected,
      p1,
      patientImpact,
      longestOpen: oldest ? { id: oldest.id, priority: oldest.priority, system: oldest.system, openedAt: oldest.openedAt, ageSeconds: oldest.ageSeconds } : null,
    },
    incidents,
    moreIncidents: 0,
    facilities: [...facilities.values()].sort((a, b) => priorityRank(a.worstPriority) - priorityRank(b.worstPriority) || b.incidents - a.incidents || collate(a.facility, b.facility)),
    systems: [...systems.values()]
      .map((s) => ({ system: s.system, incidents: s.incidents, dependsOn: [...s.dependsOn].sort(), worstPriority: s.worstPriority }))
      .sort((a, b) => priorityRank(a.worstPriority) - priorityRank(b.worstPriority) || b.incidents - a.incidents || collate(a.system, b.system)),
    queues: [...queues]
      .sort((a, b) => b[1] - a[1] || collate(a[0], b[0]))
      .map(([queue, n]) => ({ queue, incidents: n })),
    grid: cells.sort((a, b) => collate(a.facility, b.facility) || collate(a.system, b.system)),
  };
}

/**
 * What `summarise` needs besides the incidents, per group in first-seen order (the order the
 * incidents are in), each group's worst priority and facility name those of its first incident.
 */
export interface Tallies {
  facilities: Map<string, BlastRadius['facilities'][number]>;
  systems: Map<string, { system: string; incidents: number; dependsOn: Set<string>; worstPriority: string }>;
  queues: Map<string, number>;
  cells: GridCell[];
  oldest: IncidentBlast | undefined;
  p1: number;
  patientImpact: number;
}

/** Per-group accumulators over the incidents, mutated in place. */
class Tally implements Tallies {
  readonly facilities = new Map<string, BlastRadius['facilities'][number]>();
  readonly systems = new Map<string, { system: string; incidents: number; dependsOn: Set<string>; worstPriority: string }>();
  readonly queues = new Map<string, number>();
  // Cells by facility, then system: a nested lookup, not a concatenated key (building and hashing
  // 15,000 such strings cost more than everything else here). `cells` keeps first-seen order.
  readonly grid = new Map<string, Map<string, GridCell>>();
  readonly cells: GridCell[] = [];
  oldest: IncidentBlast | undefined;
  p1 = 0;
  patientImpact = 0;

  add(incident: IncidentBlast): void {
    if (!this.oldest || incident.openedAt < this.oldest.openedAt) this.oldest = incident;
    if (incident.priority === 'P1') this.p1 += 1;
    if (incident.patientImpact) this.patientImpact += 1;
    for (const f of incident.facilities) {
      const facility = this.facilities.get(f.facility);
      if (facility) {
        facility.name ??= f.name;
        facility.incidents += 1;
        facility.requesters += f.requesters;
      } else this.facilities.set(f.facility, { facility: f.facility, name: f.name, incidents: 1, requesters: f.requesters, worstPriority: incident.priority });
      let row = this.grid.get(f.facility);
      if (!row) this.grid.set(f.facility, (row = new Map<string, GridCell>()));
      const cell = row.get(incident.system);
      if (cell) {
        cell.incidents += 1;
        cell.requesters += f.requesters;
      } else {
        const created = { facility: f.facility, system: incident.system, incidents: 1, requesters: f.requesters, worstPriority: incident.priority };
        row.set(incident.system, created);
        this.cells.push(created);
      }
    }
    let system = this.systems.get(incident.system);
    if (!system) this.systems.set(incident.system, (system = { system: incident.system, incidents: 0, dependsOn: new Set(), worstPriority: incident.priority }));
    system.incidents += 1;
    for (const d of incident.dependsOn) system.dependsOn.add(d.system);
    const queue = incident.queue ?? '(unrouted)';
    this.queues.set(queue, (this.queues.get(queue) ?? 0) + 1);
  }
}

// Nothing but the loop here: V8 compiles a long loop while it runs, and code after the loop that
// had never run yet made that compiled code bail out at the loop's exit on every call (the whole
// summary ran about twice as slow).
function tally(incidents: IncidentBlast[]): Tally {
  const tally = new Tally();
  for (const incident of incidents) tally.add(incident);
  return tally;
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
  return [...byFacility.values()].sort((a, b) => b.requesters - a.requesters || b.childCount - a.childCount || collate(a.facility, b.facility));
}

import { compareBlast, incidentBlastOf, priorityRank, summarise, type BlastRadius, type GridCell, type IncidentBlast, type IncidentRecord, type ParentRecord, type SpreadRecord, type Tallies } from './blast-radius.compute.js';

/** One active incident as read after it changed. */
export interface ActiveIncident {
  row: IncidentRecord;
  spread: SpreadRecord[];
  /** Distinct requester tokens among its children. */
  tokens: string[];
  parent: ParentRecord | undefined;
}

interface Entry {
  key: string;
  blast: IncidentBlast;
  tokens: string[];
}

/** A facility, system or grid cell: its incidents, their requesters there, and how many have each priority. */
interface Group {
  incidents: number;
  requesters: number;
  priorities: Map<string, number>;
}

/**
 * "Now", kept up to date one incident at a time. Each active incident's entry is built once per
 * key; the list stays in `compareBlast` order by moving only the entries that changed; the people
 * set, and every facility, system, queue and grid cell, are counts that a change subtracts the old
 * entry from and adds the new one to. An answer then costs a pass over the groups, not over the
 * incidents and their facilities.
 *
 * Pure (no database, no clock): `assembleBlastRadius` over the same incidents gives the same answer.
 */
export class LiveBlastRadius {
  private readonly entries = new Map<string, Entry>();
  private readonly sorted: IncidentBlast[] = [];
  private readonly people = new Map<string, number>();
  private readonly facilities = new Map<string, Group & { names: Map<string, number> }>();
  private readonly systems = new Map<string, Group & { dependsOn: Map<string, number> }>();
  private readonly grid = new Map<string, Map<string, Group>>();
  private readonly queues = new Map<string, number>();
  private p1 = 0;
  private patientImpact = 0;

  /** Of the incidents active now (id → key), those not known at that key: they must be read again. */
  stale(active: ReadonlyMap<string, string>): string[] {
    const stale: string[] = [];
    for (const [id, key] of active) if (this.entries.get(id)?.key !== key) stale.push(id);
    return stale;
  }

  /**
   * Forgets incidents no longer active and takes in those read again, under their key in `active`
   * (read before them, so a write in between only makes them look stale once more). An active
   * incident missing from `fresh` (its row gone meanwhile) keeps its last entry, or none, and stays
   * stale until it is read or no longer active.
   */
  update(active: ReadonlyMap<string, string>, fresh: ActiveIncident[], at: Date): void {
    for (const id of this.entries.keys()) if (!active.has(id)) this.remove(id);
    for (const incident of fresh) {
      const key = active.get(incident.row.id);
      if (key === undefined) continue;
      this.remove(incident.row.id);
      const blast = incidentBlastOf(incident.row, incident.spread, incident.parent, at);
      this.entries.set(blast.id, { key, blast, tokens: incident.tokens });
      this.sorted.splice(this.position(blast), 0, blast);
      for (const token of incident.tokens) count(this.people, token, 1);
      this.count(blast, 1);
    }
  }

  /** The answer over every entry; ages are as of when each entry was built (the service moves them on). */
  answer(at: Date): BlastRadius {
    const incidents = [...this.sorted];
    const tallies = this.tallies(incidents);
    const answer = tallies && summarise('now', at, incidents, this.people.size, tallies);
    // Where the counts cannot tell which incident comes first in a group (two unknown priorities of
    // the same rank, two names for a facility, names that collate alike), the pass over all decides.
    return answer && !collationTies(answer) ? answer : summarise('now', at, incidents, this.people.size);
  }

  /** Adds an entry to (sign 1) or takes it out of (sign -1) every group it is in. */
  private count(blast: IncidentBlast, sign: 1 | -1): void {
    if (blast.priority === 'P1') this.p1 += sign;
    if (blast.patientImpact) this.patientImpact += sign;
    count(this.queues, blast.queue ?? '(unrouted)', sign);
    const system = entry(this.systems, blast.system, () => ({ ...group(), dependsOn: new Map<string, number>() }));
    tally(system, blast.priority, 0, sign);
    for (const d of blast.dependsOn) count(system.dependsOn, d.system, sign);
    if (system.incidents === 0) this.systems.delete(blast.system);
    for (const f of blast.facilities) {
      const facility = entry(this.facilities, f.facility, () => ({ ...group(), names: new Map<string, number>() }));
      tally(facility, blast.priority, f.requesters, sign);
      if (f.name !== null) count(facility.names, f.name, sign);
      if (facility.incidents === 0) this.facilities.delete(f.facility);
      const row = entry(this.grid, f.facility, () => new Map<string, Group>());
      const cell = entry(row, blast.system, group);
      tally(cell, blast.priority, f.requesters, sign);
      if (cell.incidents === 0) row.delete(blast.system);
      if (row.size === 0) this.grid.delete(f.facility);
    }
  }

  /** What `summarise` would tally from the incidents, from the counts; undefined where they are not enough. */
  private tallies(incidents: IncidentBlast[]): Tallies | undefined {
    const facilities: Tallies['facilities'] = new Map();
    for (const [facility, g] of this.facilities) {
      const worstPriority = worstOf(g);
      if (worstPriority === undefined || g.names.size > 1) return undefined;
      facilities.set(facility, { facility, name: g.names.size === 1 ? [...g.names.keys()][0] : null, incidents: g.incidents, requesters: g.requesters, worstPriority });
    }
    const systems: Tallies['systems'] = new Map();
    for (const [system, g] of this.systems) {
      const worstPriority = worstOf(g);
      if (worstPriority === undefined) return undefined;
      systems.set(system, { system, incidents: g.incidents, dependsOn: new Set(g.dependsOn.keys()), worstPriority });
    }
    const cells: GridCell[] = [];
    for (const [facility, row] of this.grid) {
      for (const [system, g] of row) {
        const worstPriority = worstOf(g);
        if (worstPriority === undefined) return undefined;
        cells.push({ facility, system, incidents: g.incidents, requesters: g.requesters, worstPriority });
      }
    }
    let oldest: IncidentBlast | undefined;
    for (const incident of incidents) if (!oldest || incident.openedAt < oldest.openedAt) oldest = incident;
    return { facilities, systems, queues: new Map(this.queues), cells, oldest, p1: this.p1, patientImpact: this.patientImpact };
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    // Ids are unique, so the search lands on the entry itself; indexOf only if a collation tie fooled it.
    let index = this.position(entry.blast);
    if (this.sorted[index] !== entry.blast) index = this.sorted.indexOf(entry.blast);
    if (index >= 0) this.sorted.splice(index, 1);
    for (const token of entry.tokens) count(this.people, token, -1);
    this.count(entry.blast, -1);
  }

  /** The first index whose incident does not sort before `blast` (binary search). */
  private position(blast: IncidentBlast): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareBlast(this.sorted[middle], blast) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

const group = (): Group => ({ incidents: 0, requesters: 0, priorities: new Map() });

function entry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = create()));
  return value;
}

/** A count per key; a key whose count reaches zero is gone. */
function count<K>(counts: Map<K, number>, key: K, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n === 0) counts.delete(key);
  else counts.set(key, n);
}

function tally(g: Group, priority: string, requesters: number, sign: 1 | -1): void {
  g.incidents += sign;
  g.requesters += sign * requesters;
  count(g.priorities, priority, sign);
}

/**
 * The group's worst priority, which in listing order is its first incident's. Undefined when two
 * different priorities share the lowest rank (only unknown ones can: all rank 9): then only the
 * listing order says which comes first.
 */
function worstOf(g: Group): string | undefined {
  let worst: string | undefined;
  let tied = false;
  for (const priority of g.priorities.keys()) {
    const rank = priorityRank(priority);
    if (worst === undefined || rank < priorityRank(worst)) {
      worst = priority;
      tied = false;
    } else if (rank === priorityRank(worst)) tied = true;
  }
  return tied ? undefined : worst;
}

const collate = new Intl.Collator().compare;

/**
 * Whether two neighbours in a sorted list of the answer have names that collate as equal: only then
 * could their order depend on which was seen first, which the counts do not keep.
 */
function collationTies(answer: BlastRadius): boolean {
  const tied = <T>(items: T[], same: (a: T, b: T) => boolean) => items.some((item, i) => i > 0 && same(items[i - 1], item));
  return (
    tied(answer.facilities, (a, b) => collate(a.facility, b.facility) === 0) ||
    tied(answer.systems, (a, b) => collate(a.system, b.system) === 0) ||
    tied(answer.queues, (a, b) => collate(a.queue, b.queue) === 0) ||
    tied(answer.grid, (a, b) => collate(a.facility, b.facility) === 0 && collate(a.system, b.system) === 0)
  );
}

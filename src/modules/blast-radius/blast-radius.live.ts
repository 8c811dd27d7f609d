import { compareBlast, incidentBlastOf, summarise, type BlastRadius, type IncidentBlast, type IncidentRecord, type ParentRecord, type SpreadRecord } from './blast-radius.compute.js';

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

/**
 * "Now", kept up to date one incident at a time. Each active incident's entry is built once per
 * key; the list stays in `compareBlast` order by moving only the entries that changed; the people
 * set is a count per requester token, so a change subtracts the old tokens and adds the new. What
 * is left per answer is one pass over the entries for the totals, summaries and grid.
 *
 * Pure (no database, no clock): `assembleBlastRadius` over the same incidents gives the same answer.
 */
export class LiveBlastRadius {
  private readonly entries = new Map<string, Entry>();
  private readonly sorted: IncidentBlast[] = [];
  private readonly people = new Map<string, number>();
  /** One string object per facility and system name, so the per-answer pass compares pointers, not characters (about twice as fast). */
  private readonly names = new Map<string, string>();

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
      const row = { ...incident.row, system: this.name(incident.row.system), facilities: incident.row.facilities.map((f) => this.name(f)) };
      const spread = incident.spread.map((s) => ({ ...s, facility: s.facility === null ? null : this.name(s.facility) }));
      const blast = incidentBlastOf(row, spread, incident.parent, at);
      this.entries.set(blast.id, { key, blast, tokens: incident.tokens });
      this.sorted.splice(this.position(blast), 0, blast);
      for (const token of incident.tokens) this.people.set(token, (this.people.get(token) ?? 0) + 1);
    }
  }

  /** The answer over every entry; ages are as of when each entry was built (the service moves them on). */
  answer(at: Date): BlastRadius {
    return summarise('now', at, [...this.sorted], this.people.size);
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    // Ids are unique, so the search lands on the entry itself; indexOf only if a collation tie fooled it.
    let index = this.position(entry.blast);
    if (this.sorted[index] !== entry.blast) index = this.sorted.indexOf(entry.blast);
    if (index >= 0) this.sorted.splice(index, 1);
    for (const token of entry.tokens) {
      const n = (this.people.get(token) ?? 0) - 1;
      if (n > 0) this.people.set(token, n);
      else this.people.delete(token);
    }
  }

  private name(text: string): string {
    const known = this.names.get(text);
    if (known !== undefined) return known;
    // Facilities and systems are a directory's worth; should they not be, start over rather than grow.
    if (this.names.size >= 100_000) this.names.clear();
    this.names.set(text, text);
    return text;
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

import type { ChildMinute } from '../blast-radius/trends.js';

/**
 * The listed incidents' children per minute (`childMinutes`: a window function over every child of
 * them), read at most once per period however often the read models change. An incident missing
 * from the period's read (one opened since) is read at once, alone, and added: a new incident shows
 * what it holds in its first frame; the others' curves may trail by up to a period.
 */
export class GrowthRows {
  private held: { period: number; ids: Set<string>; rows: Promise<ChildMinute[]> } | undefined;

  constructor(
    private readonly periodMs: number,
    private readonly read: (ids: string[]) => Promise<ChildMinute[]>,
  ) {}

  rows(ids: readonly string[], now: Date): Promise<ChildMinute[]> {
    const period = Math.floor(now.getTime() / this.periodMs);
    const held = this.held?.period === period ? this.held : undefined;
    const missing = held ? ids.filter((id) => !held.ids.has(id)) : [...ids];
    if (held && missing.length === 0) return held.rows;
    const added = missing.length > 0 ? this.read(missing) : Promise.resolve([]);
    const rows = held ? Promise.all([held.rows, added]).then(([before, more]) => [...before, ...more]) : added;
    const next = { period, ids: new Set([...(held?.ids ?? []), ...missing]), rows };
    this.held = next;
    // A failed read is not kept: the next frame reads again, in full.
    rows.catch(() => {
      if (this.held === next) this.held = undefined;
    });
    return rows;
  }
}

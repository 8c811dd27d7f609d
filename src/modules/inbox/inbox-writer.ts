import type { Input } from '../../correlation/inputs.js';
import type { InboxRepository } from './inbox.repository.js';

/** One input to append, with its dedup key (see dedupKey). */
export interface InputEntry {
  dedup: string;
  input: Input;
}

/**
 * An input already written as the row's text (`JSON.stringify(input)`), by an intake worker
 * (ingest/intake-pool): the main thread then only appends it.
 */
export interface EncodedEntry {
  dedup: string;
  text: string;
}

export type InboxEntry = InputEntry | EncodedEntry;

/** Where each entry of an append went: its inbox position, or null when it was an exact resend. */
export type Appended = Array<number | null>;

interface Pending {
  entries: InboxEntry[];
  resolve: (appended: Appended) => void;
  reject: (error: unknown) => void;
}

/** Rows per append statement at most: a request is never split, so one may make it larger. */
const MAX_ROWS = 5_000;

/** SQLSTATE classes that blame the rows, not the database (as PgActorStore's refusedData). */
const DATA_CLASSES = new Set(['22', '23', '54']);

/**
 * Group append: requests arriving while an append is in flight wait and go in the next one, as one
 * statement and one fsync. One append at a time per process also keeps positions in commit order
 * (the migration's lock does the same across processes). Hand-written because the batching is
 * the whole point: a queue library would still leave the grouping and the split-on-refusal here.
 */
export class InboxWriter {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  /** When the last append was asked for (performance.now()). */
  private lastAskedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly repository: InboxRepository,
    /** Told of every append: the newest position it wrote, and how many rows. */
    private readonly appended: (position: number, count: number) => void,
    /** Told of every append statement that succeeded: its rows and how long it took (ms), for metrics. */
    private readonly timed?: (rows: number, millis: number) => void,
  ) {}

  append(entries: InboxEntry[]): Promise<Appended> {
    if (entries.length === 0) return Promise.resolve([]);
    this.lastAskedAt = performance.now();
    const done = new Promise<Appended>((resolve, reject) => this.queue.push({ entries, resolve, reject }));
    this.running ??= this.loop().finally(() => (this.running = undefined));
    return done;
  }

  /** Whether intake is taking events now: an append waits or runs, or one was asked for within `withinMs`. */
  busy(withinMs: number): boolean {
    return this.running !== undefined || performance.now() - this.lastAskedAt < withinMs;
  }

  /** Resolves once every append asked for so far has finished. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      const group: Pending[] = [];
      let rows = 0;
      while (this.queue.length > 0 && (group.length === 0 || rows + (this.queue[0]).entries.length <= MAX_ROWS)) {
        const next = this.queue.shift() as Pending;
        group.push(next);
        rows += next.entries.length;
      }
      try {
        const startedAt = performance.now();
        const positions = await this.write(group);
        this.timed?.(rows, performance.now() - startedAt);
        this.settle(group, positions);
      } catch (error) {
        // The rows are built by corral (escaped JSON text, digests) and should never be refused;
        // if the database still blames the data, each request is tried alone, so one sender's
        // events never fail another's.
        if (group.length > 1 && isDataRefusal(error)) {
          for (const one of group) await this.write([one]).then((positions) => this.settle([one], positions), one.reject);
        } else for (const one of group) one.reject(error);
      }
    }
  }

  private write(group: Pending[]): Promise<Map<string, number>> {
    const dedups: string[] = [];
    const inputs: string[] = [];
    for (const { entries } of group) {
      for (const entry of entries) {
        dedups.push(entry.dedup);
        // JSON.stringify escapes NUL and lone surrogates: the text is always storable.
        inputs.push('text' in entry ? entry.text : JSON.stringify(entry.input));
      }
    }
    return this.repository.append(dedups, inputs);
  }

  private settle(group: Pending[], positions: Map<string, number>): void {
    let newest = 0;
    let count = 0;
    for (const pending of group) {
      pending.resolve(
        pending.entries.map(({ dedup }) => {
          const position = positions.get(dedup);
          if (position === undefined) return null;
          // A second entry with the same key in this very append is a resend of the first.
          positions.delete(dedup);
          newest = Math.max(newest, position);
          count += 1;
          return position;
        }),
      );
    }
    if (newest > 0) this.appended(newest, count);
  }
}

function isDataRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && DATA_CLASSES.has(code.slice(0, 2));
}

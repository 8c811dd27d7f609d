import { systemClock } from '../../actors/clock.js';
import type { Batcher } from '../../actors/batcher.js';
import type { Input, Outcome, Quarantine } from '../../correlation/inputs.js';
import type { InboxRepository, InboxRow } from './inbox.repository.js';

export interface FeederOptions {
  /** Rows per submission (BATCH_MAX_SIZE): a page is one batch. */
  pageSize: number;
  /** Pause after a failed batch before reading again from the committed cursor (NATS_RETRY_DELAY_MS). */
  retryDelayMs: number;
  /** How often to look for rows other processes appended, when nothing here says there are any. */
  pollMs: number;
  /**
   * Intake first (see deferring): while this says intake is taking events and correlation is
   * within half its back-pressure bounds, correlation runs in pages of `busyPageSize` rows and
   * takes about `busyShare` of the time, a page at most `maxDeferMs` after the previous one.
   */
  intakeBusy?: () => boolean;
  /** Correlation is far enough behind that it must not wait for intake any more. */
  behind?: () => boolean;
  busyPageSize?: number;
  busyShare?: number;
  maxDeferMs?: number;
}

/** What became of one inbox row, for `?wait=correlated`. */
export interface Correlated {
  incidentId: string | null;
  quarantined?: Quarantine;
  /** Nothing to apply (a resolve for a child no incident holds), and why. */
  ignored?: string;
}

/** Where the feeder reports rows it could not run (set aside by the runtime, or unreadable). */
export interface SetAsideSink {
  (row: { position: number; input: string; reason: string; detail: string }): Promise<void>;
}

export interface FeederLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Failures in a row of the page after the cursor, blaming its rows, before it is read one row at a time… */
const STRIKES_TO_NARROW = 3;
/** …and before that one row is set aside. */
const STRIKES_TO_SET_ASIDE = 5;

/**
 * Whether a failed batch says something about its rows rather than the database or the pipeline:
 * an error of corral's own making while preparing it (no SQLSTATE or system error code), not one of
 * the runtime's named refusals (overload, the cursor or a lease moved, an earlier batch failed).
 */
function blamesRows(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if ((error as { code?: unknown }).code !== undefined) return false;
  if (['OverloadedError', 'InboxCursorMovedError', 'FencedError', 'DuplicateDeliveryError', 'DuplicateInputError'].includes(error.name)) return false;
  return !error.message.startsWith('an earlier batch could not be committed');
}

/** How often a deferred page looks again whether intake has gone quiet. */
const DEFER_STEP_MS = 10;

/** Recent outcomes kept for waiters that ask after their rows were already correlated. */
const RECENT_KEPT = 50_000;

/**
 * Applies the inbox to the correlator, in position order, exactly once: reads pages after the
 * committed cursor and submits each to the Batcher with its span (`{ inbox: { from, to } }`),
 * whose commit moves the cursor with the page's effects. At most two pages are in the batcher at
 * a time (one committing, the next prepared on top of it), so memory does not grow with the
 * backlog: the backlog stays in PostgreSQL. A failed page (the database went away, a check of the
 * commit) fails the pages after it too (their cursor check); once all have settled the feeder
 * starts again from the committed cursor after `retryDelayMs`.
 */
export class InboxFeeder {
  /** The last position whose effects are committed (the inbox_cursor row). */
  private committed = 0;
  /** When the cursor last moved, on the system clock: it starts from the cursor row's correlated_at, PostgreSQL's now(). */
  private committedAt = new Date(0);
  /** The last position submitted to the batcher. */
  private read = 0;
  /** Rows appended (by this process, or found at start) and not yet correlated: the back-pressure count. */
  private uncorrelated = 0;
  /** The newest position appended by this process. */
  private head = 0;
  private inBatcher = 0;
  private failed = false;
  /**
   * Consecutive failures of the page right after the committed cursor with an error that blames
   * what it holds (see blamesRows), not the database: past STRIKES_TO_NARROW the feeder reads one
   * row at a time, past STRIKES_TO_SET_ASIDE that row is set aside, so one row that breaks every
   * batch it is in cannot stop the inbox for every sender behind it.
   */
  private strikes = 0;
  private stopped = true;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private pageStartedAt = Number.NEGATIVE_INFINITY;
  /** How long the last page took from its submission to its commit (ms): what the share is made of. */
  private lastPageMs = 0;
  private signalled = false;
  private readonly waiters = new Map<number, Array<(c: Correlated) => void>>();
  private readonly recent = new Map<number, Correlated>();

  constructor(
    private readonly repository: InboxRepository,
    private readonly batcher: Batcher,
    private readonly options: FeederOptions,
    private readonly setAside: SetAsideSink,
    private readonly log?: FeederLog,
  ) {}

  async start(): Promise<void> {
    const cursor = await this.repository.cursor();
    this.committed = this.read = cursor.position;
    this.committedAt = cursor.correlatedAt;
    this.head = Math.max(this.head, await this.repository.head());
    this.uncorrelated = await this.repository.countAfter(cursor.position);
    this.stopped = false;
    this.running = this.loop();
  }

  /** Stops reading; pages already in the batcher commit (or fail) before this resolves. The rest waits in the inbox. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.poke();
    await this.running;
  }

  /** Told by the writer: rows up to `position` are durable. */
  appended(position: number, count: number): void {
    this.head = Math.max(this.head, position);
    this.uncorrelated += count;
    this.poke();
  }

  /** Where correlation stands, for metrics, freshness and back-pressure. */
  get status(): { appended: number; correlated: number; correlatedAt: Date; pending: number } {
    return { appended: Math.max(this.head, this.committed), correlated: this.committed, correlatedAt: this.committedAt, pending: Math.max(0, this.uncorrelated) };
  }

  /**
   * Resolves with what became of each position once it is correlated, or with undefined for
   * those still waiting after `timeoutMs`.
   */
  whenCorrelated(positions: number[], timeoutMs: number): Promise<Array<Correlated | undefined>> {
    const results: Array<Correlated | undefined> = positions.map((position) => (position <= this.committed ? (this.recent.get(position) ?? { incidentId: null }) : undefined));
    const open = positions.flatMap((_, i) => (results[i] === undefined ? [i] : []));
    if (open.length === 0 || timeoutMs <= 0) return Promise.resolve(results);
    return new Promise((resolve) => {
      let left = open.length;
      const callbacks = new Map<number, (c: Correlated) => void>();
      const finish = () => {
        clearTimeout(timer);
        for (const [position, callback] of callbacks) this.unwait(position, callback);
        resolve(results);
      };
      const timer = setTimeout(finish, timeoutMs);
      for (const i of open) {
        const position = positions[i];
        const callback = (c: Correlated) => {
          results[i] = c;
          callbacks.delete(position);
          if (--left === 0) finish();
        };
        callbacks.set(position, callback);
        const list = this.waiters.get(position);
        if (list) list.push(callback);
        else this.waiters.set(position, [callback]);
      }
    });
  }

  private unwait(position: number, callback: (c: Correlated) => void): void {
    const list = this.waiters.get(position);
    if (!list) return;
    const rest = list.filter((c) => c !== callback);
    if (rest.length === 0) this.waiters.delete(position);
    else this.waiters.set(position, rest);
  }

  /** Something changed (an append, a commit, a stop): the loop looks again at once. */
  private poke(): void {
    this.signalled = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Waits up to `ms`, or until poked; a poke that came while the loop was busy counts too. */
  private pause(ms: number): Promise<void> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.signalled = false;
        resolve();
      };
    });
  }

  private async loop(): Promise<void> {
    const { pageSize, pollMs, retryDelayMs } = this.options;
    while (!this.stopped || this.inBatcher > 0) {
      if (this.failed) {
        // Every page submitted after the failed one fails too (its cursor check): wait for them all.
        if (this.inBatcher > 0) {
          await this.pause(pollMs);
          continue;
        }
        this.failed = false;
        this.read = this.committed;
        await this.pause(retryDelayMs);
        continue;
      }
      if (this.stopped || this.inBatcher >= 2 * pageSize) {
        await this.pause(pollMs);
        continue;
      }
      if (this.deferring()) {
        await this.pause(DEFER_STEP_MS);
        continue;
      }
      let rows: InboxRow[];
      const size = this.strikes >= STRIKES_TO_NARROW && this.read === this.committed ? 1 : this.pageSizeNow(pageSize);
      try {
        rows = await this.repository.after(this.read, size);
      } catch (error) {
        this.log?.warn({ error: error instanceof Error ? error.name : 'error' }, 'reading the inbox failed; trying again');
        await this.pause(retryDelayMs);
        continue;
      }
      if (rows.length === 0) {
        // Nothing new: wait for this process's next append, or look again for other processes'.
        await this.pause(pollMs);
        continue;
      }
      // Counted from a page taken, not from a look that found nothing: after a quiet spell the
      // first page runs at once.
      this.pageStartedAt = performance.now();
      this.submit(rows);
    }
  }

  /**
   * Intake first. Correlating a page is a stretch of the event loop (about 130 µs an event: 65 ms
   * for 500) and most of PostgreSQL's work; while a storm is being taken in, that competes with the
   * requests for both cores, every request that arrives during the stretch waits for all of it,
   * and senders time out and resend. So while intake is busy, correlation takes a share: pages of
   * busyPageSize rows (a short stall), each started once the last one's time is busyShare of the
   * time since it started (never more than maxDeferMs apart). It runs at full speed, in full pages,
   * the moment intake pauses; and never holds back while a request waits for correlation
   * (?wait=correlated) or once correlation is past half of INBOX_MAX_PENDING or INBOX_MAX_LAG_MS.
   */
  private deferring(): boolean {
    if (!this.holdingBack()) return false;
    // One page at a time: the share is measured on the page that ran.
    if (this.inBatcher > 0) return true;
    const { busyShare = 1, maxDeferMs = 0 } = this.options;
    const gap = Math.min(maxDeferMs, this.lastPageMs / busyShare);
    return performance.now() - this.pageStartedAt < gap;
  }

  private holdingBack(): boolean {
    const { intakeBusy, behind } = this.options;
    if (!intakeBusy || this.waiters.size > 0) return false;
    return intakeBusy() && !(behind?.() ?? false);
  }

  private pageSizeNow(pageSize: number): number {
    const { busyPageSize } = this.options;
    return busyPageSize !== undefined && this.holdingBack() ? Math.min(pageSize, busyPageSize) : pageSize;
  }

  private submit(rows: InboxRow[]): void {
    const from = this.read;
    const to = (rows[rows.length - 1]).position;
    this.read = to;
    const inputs: Input[] = [];
    const runs: InboxRow[] = [];
    const unreadable: InboxRow[] = [];
    for (const row of rows) {
      try {
        inputs.push(JSON.parse(row.input) as Input);
        runs.push(row);
      } catch {
        // Written by corral as JSON; a row that is not is set aside, and the rest go on.
        unreadable.push(row);
      }
    }
    this.inBatcher += rows.length;
    const submittedAt = performance.now();
    this.batcher.submit(inputs, { inbox: { from, to } }).then(
      (outcomes) => {
        this.lastPageMs = performance.now() - submittedAt;
        this.inBatcher -= rows.length;
        this.strikes = 0;
        this.committed = to;
        this.committedAt = systemClock.now();
        this.uncorrelated -= rows.length;
        this.settle(runs, outcomes);
        for (const row of unreadable) void this.setAsideRow(row, 'unreadable', 'the inbox row could not be read back; it was skipped');
        this.poke();
      },
      (error: unknown) => {
        this.inBatcher -= rows.length;
        if (!this.failed) this.log?.warn({ from, to, error: error instanceof Error ? error.name : 'error' }, 'an inbox page could not be correlated; reading again from the committed cursor');
        this.failed = true;
        if (from === this.committed) {
          this.strikes = blamesRows(error) ? this.strikes + 1 : 0;
          if (this.strikes >= STRIKES_TO_SET_ASIDE && rows.length === 1) void this.skip(rows[0], error);
        }
        this.poke();
      },
    );
  }

  /**
   * The one row that failed every batch it was in, alone, STRIKES_TO_SET_ASIDE times: the cursor
   * moves past it with an empty batch (no effects), and it goes to the dead letters.
   */
  private skip(row: InboxRow, error: unknown): Promise<void> {
    const from = this.committed;
    this.inBatcher += 1;
    return this.batcher.submit([], { inbox: { from, to: row.position } }).then(
      () => {
        this.inBatcher -= 1;
        this.strikes = 0;
        this.committed = row.position;
        this.committedAt = systemClock.now();
        this.uncorrelated -= 1;
        this.log?.warn({ position: row.position, error: error instanceof Error ? error.name : 'error' }, 'an inbox row failed every batch it was in; it was set aside');
        void this.setAsideRow(row, 'unprocessable', 'could not be correlated: it failed every batch it was in (logged); the other events were not affected');
        this.poke();
      },
      () => {
        this.inBatcher -= 1;
        this.poke();
      },
    );
  }

  private settle(rows: InboxRow[], outcomes: Outcome[]): void {
    rows.forEach((row, i) => {
      const outcome = outcomes[i];
      const correlated: Correlated = { incidentId: outcome?.incidentId ?? null, ...(outcome?.quarantined ? { quarantined: outcome.quarantined } : {}), ...(outcome?.ignored ? { ignored: outcome.ignored } : {}) };
      this.recent.set(row.position, correlated);
      const waiting = this.waiters.get(row.position);
      if (waiting) {
        this.waiters.delete(row.position);
        for (const callback of waiting) callback(correlated);
      }
      if (outcome?.quarantined) void this.setAsideRow(row, outcome.quarantined.reason, outcome.quarantined.detail);
    });
    for (const oldest of this.recent.keys()) {
      if (this.recent.size <= RECENT_KEPT) break;
      this.recent.delete(oldest);
    }
  }

  private setAsideRow(row: InboxRow, reason: string, detail: string): Promise<void> {
    return this.setAside({ position: row.position, input: row.input, reason, detail }).catch((error: unknown) => {
      this.log?.warn({ position: row.position, reason, error: error instanceof Error ? error.name : 'error' }, 'an event set aside could not be dead-lettered; it stays in the inbox until retention');
    });
  }
}

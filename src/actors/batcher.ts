import { AsyncLocalStorage } from 'node:async_hooks';
import type { BatchExecutor, Input, Outcome, Prepared } from './batch-executor.js';
import type { RuntimeObserver } from './runtime-observer.js';

export interface BatcherOptions {
  maxSize: number;
  maxDelayMs: number;
  /** Inputs waiting at most; beyond it submissions are refused (HTTP 429) and NATS intake pauses. */
  maxQueued?: number;
}

interface InFlight {
  prepared: Prepared;
  /** True once committed and answered; false if the commit failed (callers already rejected). */
  done: Promise<boolean>;
}

interface Submission {
  inputs: Input[];
  receipts: string[];
  /** The ids of these very inputs (`<receipt>#<index>`): at most one submission holding each may be taken. */
  inputReceipts: string[];
  resolve: (outcomes: Outcome[]) => void;
  reject: (error: unknown) => void;
}

/** Refused for lack of room: nothing was done, the caller should come back shortly. */
export class OverloadedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`corral is at capacity; retry in ${retryAfterSeconds} s`);
    this.name = 'OverloadedError';
  }
}

/**
 * Refused because a submission carrying the same input (the same `<receipt>#<index>`) is already
 * in a batch: with several instances one input can arrive twice (a redelivered inbound message
 * applied here, and the second-hop message another instance published for its first delivery).
 * Nothing was done; the caller's message comes back and is acked without effects if the other
 * copy committed, or applied if it did not.
 */
export class DuplicateInputError extends Error {
  /** `committed`: the other copy is committed already (not merely in a batch), so this one may be settled as done. */
  constructor(
    readonly receipt: string,
    readonly committed = false,
  ) {
    super(committed ? `input ${receipt} was committed already; this copy is not applied` : `input ${receipt} is already in a batch; this copy is not applied`);
    this.name = 'DuplicateInputError';
  }
}

/**
 * Input receipts of recently committed submissions remembered per instance. A second copy of an
 * input usually reaches the instance that applied the first (its owner) within an ack wait; refused
 * here it costs nothing, while the commit's receipt check would fail its whole batch. Older copies
 * still meet that check. 100,000 receipts are a few MB, and only several instances make them.
 */
const COMMITTED_RECEIPTS_KEPT = 100_000;

/**
 * Which transport message the submissions made in this async context belong to: NATS intake runs
 * its whole handling inside `Batcher.receipt.run(id, …)`, so the id is committed with the effects
 * without every layer in between passing it along.
 */
const receiptContext = new AsyncLocalStorage<string>();

/**
 * Group commit: submissions from every producer (HTTP requests, NATS messages) wait here until a
 * batch is full or the oldest has waited maxDelayMs, then run as one transaction. Batches run one
 * at a time, which is also what keeps each actor single-writer; whatever arrives during a commit
 * forms the next batch (decoding and validation of the next requests overlap the commit). A
 * submission is never split across batches, so one transport message commits all or nothing.
 */
export class Batcher {
  static readonly receipt = receiptContext;
  private queue: Submission[] = [];
  private queued = 0;
  private taken = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private waiting: Array<() => void> = [];
  private arrivals: Array<() => void> = [];
  /** Input receipts of the submissions taken and not yet settled (committed or failed). */
  private readonly takenReceipts = new Set<string>();
  /** Input receipts committed lately, oldest first (see COMMITTED_RECEIPTS_KEPT). */
  private readonly committedReceipts = new Set<string>();
  /** The latest submission queued: batches take submissions in order and commit one after another. */
  private latest: Promise<unknown> | undefined;

  constructor(
    private readonly executor: BatchExecutor,
    private readonly options: BatcherOptions,
    private readonly observer?: RuntimeObserver,
  ) {}

  /** Inputs waiting for a batch (the actors' mailboxes, taken together). */
  get depth(): number {
    return this.queued;
  }

  /** Inputs taken into batches (being correlated or committed) and not yet answered. */
  get inFlight(): number {
    return this.taken;
  }

  private get limit(): number {
    return this.options.maxQueued ?? Number.POSITIVE_INFINITY;
  }

  /**
   * `receipts`: the ids of these inputs (`<receipt>#<index>`), committed with them beside the
   * transport message's own (see PgActorStore). The transport receipt may be shared by several
   * submissions of one message (native payloads); an input receipt names one input, so a second
   * submission carrying it while the first is in a batch is refused (DuplicateInputError): the
   * commit could not tell the two apart within one batch, and across pipelined batches it would
   * refuse the whole later batch.
   */
  submit(inputs: Input[], receipts: string[] = []): Promise<Outcome[]> {
    if (this.queued + inputs.length > this.limit && this.queued > 0) return Promise.reject(new OverloadedError(1));
    const receipt = receiptContext.getStore();
    const all = receipt === undefined ? receipts : [receipt, ...receipts];
    const done = new Promise<Outcome[]>((resolve, reject) => this.queue.push({ inputs, receipts: all, inputReceipts: receipts, resolve, reject }));
    this.queued += inputs.length;
    this.latest = done;
    for (const wake of this.arrivals.splice(0)) wake();
    this.schedule();
    return done;
  }

  /** Resolves once every submission queued before this call has committed or failed. */
  settledSoFar(): Promise<void> {
    const latest = this.latest;
    return latest ? latest.then(noop, noop) : Promise.resolve();
  }

  /** Whether a submission now would be queued (capacity() would resolve at once). */
  get hasRoom(): boolean {
    return this.queued < this.limit;
  }

  /** Resolves when there is room again (below half the limit): NATS intake waits here instead of pulling. */
  capacity(): Promise<void> {
    if (this.hasRoom) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Resolves once everything submitted so far has been committed (or has failed). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.running) {
      this.startNow();
      await this.running;
    }
  }

  private schedule(): void {
    if (this.running) return;
    if (this.queued >= this.options.maxSize) this.startNow();
    else this.timer ??= setTimeout(() => this.startNow(), this.options.maxDelayMs);
  }

  private startNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
      if (this.queue.length > 0) this.schedule();
    });
  }

  private takeBatch(): Submission[] {
    const batch: Submission[] = [];
    let size = 0;
    let refused = 0;
    while (this.queue.length > 0 && (batch.length === 0 || size + (this.queue[0]).inputs.length <= this.options.maxSize)) {
      const next = this.queue.shift() as Submission;
      const copy = next.inputReceipts.find((r) => this.takenReceipts.has(r) || this.committedReceipts.has(r));
      if (copy !== undefined) {
        refused += next.inputs.length;
        next.reject(new DuplicateInputError(copy, this.committedReceipts.has(copy)));
        continue;
      }
      for (const r of next.inputReceipts) this.takenReceipts.add(r);
      batch.push(next);
      size += next.inputs.length;
    }
    this.queued -= size + refused;
    this.taken += size;
    if (this.queued < this.limit / 2) for (const wake of this.waiting.splice(0)) wake();
    return batch;
  }

  /**
   * The pipeline: while batch N commits, batch N+1 is taken and correlated on top of N's results.
   * N+1 commits only after N did; if N failed, N+1 is aborted with it (newest first) and its
   * callers retry.
   */
  private async loop(): Promise<void> {
    let committing: InFlight | undefined;
    while (this.queue.length > 0 || committing) {
      if (committing && this.queue.length === 0) {
        // Nothing to prepare yet: wake for whichever comes first, the commit or a new submission.
        await Promise.race([committing.done, this.arrival()]);
        if (this.queue.length === 0) {
          if (!(await committing.done)) this.executor.abort(committing.prepared);
          committing = undefined;
          continue;
        }
      }
      const batch = this.takeBatch();
      // Every submission taken was a copy of an input already in a batch (refused): nothing to run.
      if (batch.length === 0) continue;
      const prepared = await this.prepare(batch);
      if (committing && !(await committing.done)) {
        if (prepared) {
          this.executor.abort(prepared);
          this.fail(batch, new Error('an earlier batch could not be committed; nothing of this one was kept'), 0);
        }
        this.executor.abort(committing.prepared);
        committing = undefined;
        continue;
      }
      committing = prepared ? { prepared, done: this.commit(batch, prepared) } : undefined;
    }
  }

  private arrival(): Promise<void> {
    return new Promise((resolve) => this.arrivals.push(resolve));
  }

  private async prepare(batch: Submission[]): Promise<Prepared | undefined> {
    const inputs = batch.flatMap((s) => s.inputs);
    const receipts = batch.flatMap((s) => s.receipts);
    try {
      return await this.executor.prepare(inputs, receipts);
    } catch (error) {
      this.fail(batch, error, 0);
      return undefined;
    }
  }

  /** Resolves true once committed (callers answered), false if the commit failed (callers rejected). */
  private async commit(batch: Submission[], prepared: Prepared): Promise<boolean> {
    const inputs = batch.flatMap((s) => s.inputs);
    const started = performance.now();
    try {
      const outcomes = await this.executor.commit(prepared);
      this.taken -= inputs.length;
      this.observer?.batchCommitted(inputs, outcomes, performance.now() - started);
      this.remember(batch);
      this.release(batch);
      let offset = 0;
      for (const submission of batch) {
        submission.resolve(outcomes.slice(offset, offset + submission.inputs.length));
        offset += submission.inputs.length;
      }
      return true;
    } catch (error) {
      this.fail(batch, error, performance.now() - started);
      return false;
    }
  }

  private remember(batch: Submission[]): void {
    for (const submission of batch) for (const r of submission.inputReceipts) this.committedReceipts.add(r);
    for (const oldest of this.committedReceipts) {
      if (this.committedReceipts.size <= COMMITTED_RECEIPTS_KEPT) break;
      this.committedReceipts.delete(oldest);
    }
  }

  /** A batch settled (committed or failed): its inputs may be submitted again. */
  private release(batch: Submission[]): void {
    for (const submission of batch) for (const r of submission.inputReceipts) this.takenReceipts.delete(r);
  }

  private fail(batch: Submission[], error: unknown, millis: number): void {
    const inputs = batch.flatMap((s) => s.inputs);
    this.release(batch);
    this.taken -= inputs.length;
    this.observer?.batchFailed(inputs, millis);
    for (const submission of batch) submission.reject(error);
  }
}

function noop(): void {}

import type { Quarantine } from '../correlation/inputs.js';
import { scrubText } from '../correlation/scrub.js';
import { RefusedDataError } from './actor-store.js';
import { CorrelationFailure, journalKindsOf, type BatchExecutor, type InboxRange, type Input, type Outcome, type Prepared } from './batch-executor.js';
import type { RuntimeObserver } from './runtime-observer.js';

export interface BatcherOptions {
  maxSize: number;
  maxDelayMs: number;
  /** Inputs waiting at most; beyond it submissions are refused (HTTP 429) and NATS intake pauses. */
  maxQueued?: number;
}

/** Where the runtime reports what it set aside and why (server side: never the event itself). */
export interface RuntimeLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

type Settled = { ok: true } | { ok: false; error: unknown; millis: number };

interface InFlight {
  batch: Submission[];
  prepared: Prepared;
  /** Committed and answered, or failed (callers not answered yet: the loop decides what follows). */
  done: Promise<Settled>;
}

/**
 * What travels with a submission, as a value (no hidden async context): the transport message it
 * came in (its receipt is committed with its effects, several instances only), the ids of its
 * inputs, and the span of the inbox it applies (committed as the inbox cursor).
 */
export interface Envelope {
  /** The transport message's receipt (`<stream>@<created>:<seq>`): claimed once, with the effects. */
  receipt?: string;
  /** The ids of these very inputs (`<receipt>#<index>`), committed with them. */
  inputReceipts?: string[];
  /** The inbox rows these inputs are: the cursor moves from `from` to `to` with their effects. */
  inbox?: InboxRange;
}

interface Submission {
  inputs: Input[];
  receipts: string[];
  inbox: InboxRange | undefined;
  /** The ids of these very inputs (`<receipt>#<index>`): at most one submission holding each may be taken. */
  inputReceipts: string[];
  resolve: (outcomes: Outcome[]) => void;
  reject: (error: unknown) => void;
  /** Inputs (by index) set aside in this batch so that the rest could commit; answered as quarantined. */
  setAside?: Map<number, Quarantine>;
}

/** One input of a batch: which submission, which of its inputs. */
interface Item {
  submission: Submission;
  index: number;
}

/** Bounds the search for inputs the database refuses: past it, whatever is left fails as a whole. */
const MAX_SET_ASIDE = 64;

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
 * Group commit: submissions from every producer (HTTP requests, NATS messages) wait here until a
 * batch is full or the oldest has waited maxDelayMs, then run as one transaction. Batches run one
 * at a time, which is also what keeps each actor single-writer; whatever arrives during a commit
 * forms the next batch (decoding and validation of the next requests overlap the commit). A
 * submission is never split across batches, so one transport message commits all or nothing.
 */
export class Batcher {
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

  constructor(
    private readonly executor: BatchExecutor,
    private readonly options: BatcherOptions,
    private readonly observer?: RuntimeObserver,
    private readonly log?: RuntimeLog,
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
   * `envelope.inputReceipts`: the ids of these inputs (`<receipt>#<index>`), committed with them
   * beside the transport message's own (see PgActorStore). The transport receipt may be shared by
   * several submissions of one message (native payloads); an input receipt names one input, so a
   * second submission carrying it while the first is in a batch is refused (DuplicateInputError):
   * the commit could not tell the two apart within one batch, and across pipelined batches it
   * would refuse the whole later batch. `envelope.inbox`: the inbox rows these inputs are; the
   * inbox feeder submits them in position order, and batches commit in order, so a batch's span is
   * contiguous.
   */
  submit(inputs: Input[], envelope: Envelope = {}): Promise<Outcome[]> {
    if (this.queued + inputs.length > this.limit && this.queued > 0) return Promise.reject(new OverloadedError(1));
    const inputReceipts = envelope.inputReceipts ?? [];
    const all = envelope.receipt === undefined ? inputReceipts : [envelope.receipt, ...inputReceipts];
    const done = new Promise<Outcome[]>((resolve, reject) => this.queue.push({ inputs, receipts: all, inputReceipts, inbox: envelope.inbox, resolve, reject }));
    this.queued += inputs.length;
    for (const wake of this.arrivals.splice(0)) wake();
    this.schedule();
    return done;
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
   * N+1 commits only after N did. If N failed, both are undone (newest first); then a failure that
   * says nothing about the data (database unreachable, a check of the commit) fails N and N+1 as
   * before and their callers retry, while a refusal of the data (RefusedDataError) is made local:
   * N is committed again without the input(s) the database refuses (see isolate), and N+1 goes
   * back to the head of the queue, to be prepared again on what N really committed.
   */
  private async loop(): Promise<void> {
    let committing: InFlight | undefined;
    while (this.queue.length > 0 || committing) {
      if (committing && this.queue.length === 0) {
        // Nothing to prepare yet: wake for whichever comes first, the commit or a new submission.
        await Promise.race([committing.done, this.arrival()]);
        if (this.queue.length === 0) {
          const settled = await committing.done;
          if (!settled.ok) await this.recover(committing, undefined, settled);
          committing = undefined;
          continue;
        }
      }
      const batch = this.takeBatch();
      // Every submission taken was a copy of an input already in a batch (refused): nothing to run.
      if (batch.length === 0) continue;
      const prepared = await this.prepare(batch);
      if (committing) {
        const settled = await committing.done;
        if (!settled.ok) {
          await this.recover(committing, prepared && { batch, prepared }, settled);
          committing = undefined;
          continue;
        }
      }
      committing = prepared ? { batch, prepared, done: this.commit(batch, prepared) } : undefined;
    }
  }

  private arrival(): Promise<void> {
    return new Promise((resolve) => this.arrivals.push(resolve));
  }

  /** After batch `failed` could not commit (and `next` was prepared on top of it). */
  private async recover(failed: InFlight, next: { batch: Submission[]; prepared: Prepared } | undefined, settled: { error: unknown; millis: number }): Promise<void> {
    if (next) this.executor.abort(next.prepared);
    this.executor.abort(failed.prepared);
    if (!(settled.error instanceof RefusedDataError)) {
      if (next) this.fail(next.batch, new Error('an earlier batch could not be committed; nothing of this one was kept'), 0);
      this.fail(failed.batch, settled.error, settled.millis);
      return;
    }
    if (next) this.requeue(next.batch);
    await this.isolate(failed.batch);
  }

  /** A prepared batch undone through no fault of its own goes back to the head of the queue, as it was. */
  private requeue(batch: Submission[]): void {
    const size = batch.reduce((n, s) => n + s.inputs.length, 0);
    this.release(batch);
    for (const submission of batch) submission.setAside = undefined;
    this.taken -= size;
    this.queued += size;
    this.queue.unshift(...batch);
  }

  /**
   * A batch the database refused, with nothing else in flight: find the first input whose rows it
   * refuses by bisecting on prefixes of the batch in arrival order (each prefix prepared on the
   * committed states, run and rolled back: log2(n) rehearsals, not n), set that input aside, and
   * commit the rest; again if the rest is refused too (another bad input). Prefixes, not halves:
   * an input's rows depend on the inputs before it (the same incident), so only a prefix shows
   * what the batch would commit. Anything but a refusal of the data on the way fails what is left
   * of the batch as a whole (callers retry), as a commit failure always did.
   */
  private async isolate(batch: Submission[]): Promise<void> {
    const started = performance.now();
    try {
      for (let round = 0; round < MAX_SET_ASIDE; round++) {
        const refused = await this.firstRefused(this.active(batch));
        if (refused) {
          const { submission, index } = refused.item;
          this.setAside(submission, index, { reason: 'unstorable', detail: 'could not be stored: the database refused it; the other events were not affected' }, refused.error);
        }
        const prepared = await this.prepare(batch);
        if (!prepared) return;
        const settled = await this.commit(batch, prepared);
        if (settled.ok) return;
        this.executor.abort(prepared);
        // Refused on commit but taken on rehearsal: nothing to blame, so nothing is set aside blindly.
        if (!(settled.error instanceof RefusedDataError) || !refused) throw settled.error;
      }
      throw new Error(`the database refused this batch and ${MAX_SET_ASIDE} of its inputs already`);
    } catch (error) {
      this.fail(batch, error, performance.now() - started);
    }
  }

  /** The first input whose prefix the database refuses; undefined if the whole batch goes through now. */
  private async firstRefused(items: Item[]): Promise<{ item: Item; error: unknown } | undefined> {
    const inputs = items.map(({ submission, index }) => submission.inputs[index]);
    // Known: the empty prefix commits; is the whole one still refused?
    let refusal = await this.refusal(inputs);
    if (refusal === undefined) return undefined;
    let passes = 0;
    let fails = inputs.length;
    while (fails - passes > 1) {
      const middle = (passes + fails) >> 1;
      const error = await this.refusal(inputs.slice(0, middle));
      if (error === undefined) passes = middle;
      else [fails, refusal] = [middle, error];
    }
    return { item: items[fails - 1], error: refusal };
  }

  /** What the database says to these inputs' rows: undefined if it takes them; throws if it cannot say (unreachable…). */
  private async refusal(inputs: Input[]): Promise<unknown> {
    try {
      await this.executor.rehearse(inputs);
      return undefined;
    } catch (error) {
      // Correlation throwing here means it throws for this prefix's last input as well: blame it the same way.
      if (error instanceof RefusedDataError || error instanceof CorrelationFailure) return error;
      throw error;
    }
  }

  /** The inputs to run: all of them unless some were set aside (the usual case allocates nothing more). */
  private inputsOf(batch: Submission[]): Input[] {
    if (!batch.some((s) => s.setAside)) return batch.flatMap((s) => s.inputs);
    return this.active(batch).map(({ submission, index }) => submission.inputs[index]);
  }

  private active(batch: Submission[]): Item[] {
    return batch.flatMap((submission) => submission.inputs.flatMap((_, index) => (submission.setAside?.has(index) ? [] : [{ submission, index }])));
  }

  private setAside(submission: Submission, index: number, quarantine: Quarantine, cause: unknown): void {
    (submission.setAside ??= new Map()).set(index, quarantine);
    const input = submission.inputs[index];
    // The event itself is never logged (it may hold what the privacy filter missed): what names it, and why.
    this.log?.warn(
      {
        reason: quarantine.reason,
        signature: this.executor.signatureFor(input),
        ...(input.type === 'event'
          ? { eventId: input.event.id, correlationId: input.event.correlationId, source: input.event.source.type }
          : input.type === 'resolve'
            ? { input: input.type, eventId: input.id, correlationId: input.correlationId, source: input.source.type }
            : { input: input.type }),
        ...(cause instanceof RefusedDataError ? { sqlstate: cause.sqlstate, ...cause.where } : { error: cause instanceof CorrelationFailure ? describe(cause.cause) : describe(cause) }),
      },
      'input set aside: the rest of its batch goes on without it',
    );
  }

  /**
   * Correlates the batch's inputs that are not set aside. An input whose correlation throws (a fault
   * in a rule or the core) is set aside and the rest prepared again without it; any other failure
   * (the database, while hydrating) fails the batch, and its callers retry.
   */
  private async prepare(batch: Submission[]): Promise<Prepared | undefined> {
    for (;;) {
      // A message every input of which was set aside claims no receipt: delivered again, it is set aside again, not acked as done.
      const receipts = batch.flatMap((s) => (s.setAside?.size === s.inputs.length ? [] : s.receipts));
      try {
        return await this.executor.prepare(this.inputsOf(batch), receipts, inboxSpan(batch));
      } catch (error) {
        const item = error instanceof CorrelationFailure ? this.active(batch)[error.index] : undefined;
        if (!item) {
          this.fail(batch, error, 0);
          return undefined;
        }
        this.setAside(item.submission, item.index, { reason: 'correlation-failed', detail: 'could not be correlated: a fault in corral (logged); the other events were not affected' }, error);
      }
    }
  }

  /** Committed (callers answered) or failed (callers not answered: the loop decides between failing and isolating). */
  private async commit(batch: Submission[], prepared: Prepared): Promise<Settled> {
    const started = performance.now();
    try {
      const outcomes = await this.executor.commit(prepared);
      const inputs = batch.flatMap((s) => s.inputs);
      this.taken -= inputs.length;
      this.observer?.batchCommitted(this.inputsOf(batch), outcomes, performance.now() - started, journalKindsOf(prepared));
      // A message every input of which was set aside claimed no receipt (see prepare).
      this.remember(batch.filter((s) => s.setAside?.size !== s.inputs.length));
      this.release(batch);
      let offset = 0;
      for (const submission of batch) {
        const setAside = submission.setAside;
        if (!setAside) {
          submission.resolve(outcomes.slice(offset, offset + submission.inputs.length));
          offset += submission.inputs.length;
          continue;
        }
        submission.resolve(
          submission.inputs.map((input, index) => {
            const quarantined = setAside.get(index);
            return quarantined ? { incidentId: null, signature: this.executor.signatureFor(input), duplicate: false, quarantined } : outcomes[offset++];
          }),
        );
      }
      return { ok: true };
    } catch (error) {
      return { ok: false, error, millis: performance.now() - started };
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
    // Callers are told only that it failed (a database error can quote rows of other senders): a
    // database's or driver's error (it has a code) is logged here. Not the checks of the commit
    // (fencing, receipts): a takeover refuses thousands of batches, each already answered for.
    const code = (error as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string') this.log?.warn({ inputs: inputs.length, code, error: describe(error) }, 'batch failed; nothing of it was kept, its senders retry');
    for (const submission of batch) submission.reject(error);
  }
}

/** The inbox span a batch applies: from its first inbox submission's start to its last's end. */
function inboxSpan(batch: Submission[]): InboxRange | undefined {
  let span: InboxRange | undefined;
  for (const { inbox } of batch) if (inbox) span = span ? { from: span.from, to: inbox.to } : inbox;
  return span;
}

/** A fault's name and message for the log, scrubbed and cut: a message can quote the input (`unhandled input {…}`). */
function describe(error: unknown): string {
  return scrubText(error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 300);
}

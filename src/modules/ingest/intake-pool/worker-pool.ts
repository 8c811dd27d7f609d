import type { Transferable, Worker } from 'node:worker_threads';

/** What a pool worker posts back for a job: its reply, or the name of what it threw. */
export type WorkerMessage<R> = { id: number; reply: R } | { id: number; failed: string };

/** A job that failed because its worker stopped (crashed, was terminated, timed out): nothing of it was done. */
export class WorkerLostError extends Error {
  override readonly name = 'WorkerLostError';
}

/** A job whose worker threw: a bug, answered like one thrown on the main thread. */
export class WorkerFailedError extends Error {
  override readonly name = 'WorkerFailedError';
}

interface InFlight<R> {
  resolve: (reply: R) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface Slot<R> {
  worker: Worker;
  inFlight: Map<number, InFlight<R>>;
}

export interface WorkerPoolOptions {
  size: number;
  /** A new worker: it answers each `{id, job}` message with a WorkerMessage. */
  spawn: () => Worker;
  /** A job taking longer than this has a stuck worker: it is terminated, its jobs fail, it is replaced. */
  jobTimeoutMs: number;
  /** Told when a worker stops unasked (its in-flight jobs have failed with WorkerLostError). */
  lost?: (detail: string) => void;
}

/** Workers that stop this many times in a row without answering a job: the pool gives up (broken start-up, say). */
const MAX_LOSSES_IN_A_ROW = 5;

/**
 * A fixed set of worker threads, each job sent to the worker with the fewest in flight; a worker
 * that stops unasked fails its in-flight jobs at once (WorkerLostError: never a hang) and is
 * replaced. Hand-written: the pools on npm (piscina and the like) queue jobs in the pool and retry
 * or hide a crash; here a job goes straight to a worker's own queue, and a lost job must fail for
 * its caller to answer 503.
 */
export class WorkerPool<J, R> {
  private readonly slots: Array<Slot<R>> = [];
  private nextId = 1;
  private lossesInARow = 0;
  private closing = false;

  constructor(private readonly options: WorkerPoolOptions) {
    for (let i = 0; i < options.size; i += 1) this.slots.push(this.start());
  }

  /** Whether jobs can be sent: not closing, and not given up on. */
  get running(): boolean {
    return !this.closing && this.slots.length > 0;
  }

  /** Jobs sent and not yet answered, over all workers. */
  get inFlight(): number {
    return this.slots.reduce((n, slot) => n + slot.inFlight.size, 0);
  }

  /** The worker threads, for tests and diagnostics. */
  get workers(): readonly Worker[] {
    return this.slots.map((slot) => slot.worker);
  }

  /** Runs `job` on the least-loaded worker; `transfer` moves (does not copy) those buffers to it. */
  run(job: J, transfer: readonly Transferable[] = []): Promise<R> {
    if (!this.running) return Promise.reject(new WorkerLostError('the worker pool is stopped'));
    let slot = this.slots[0];
    for (const other of this.slots) if (other.inFlight.size < slot.inFlight.size) slot = other;
    const id = this.nextId++;
    const { worker, inFlight } = slot;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.options.lost?.(`a job took over ${this.options.jobTimeoutMs} ms; its worker is replaced`);
        void worker.terminate();
      }, this.options.jobTimeoutMs);
      inFlight.set(id, { resolve, reject, timer });
      try {
        worker.postMessage({ id, job }, transfer as Transferable[]);
      } catch (error) {
        // Not cloneable or not transferable: nothing was sent.
        inFlight.delete(id);
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Stops taking jobs, lets those in flight finish, then terminates the workers. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        await Promise.all([...slot.inFlight.values()].map((job) => new Promise<void>((settled) => {
          const { resolve, reject } = job;
          job.resolve = (reply) => (resolve(reply), settled());
          job.reject = (error) => (reject(error), settled());
        })));
        await slot.worker.terminate();
      }),
    );
    this.slots.length = 0;
  }

  private start(): Slot<R> {
    const slot: Slot<R> = { worker: this.options.spawn(), inFlight: new Map() };
    const { worker, inFlight } = slot;
    worker.on('message', (message: WorkerMessage<R>) => {
      const job = inFlight.get(message.id);
      if (!job) return;
      inFlight.delete(message.id);
      clearTimeout(job.timer);
      this.lossesInARow = 0;
      if ('reply' in message) job.resolve(message.reply);
      else job.reject(new WorkerFailedError(`an intake worker threw ${message.failed}`));
    });
    // An uncaught error ends the worker: 'exit' follows, and fails what was in flight.
    worker.on('error', () => undefined);
    worker.once('exit', (code) => {
      for (const job of inFlight.values()) {
        clearTimeout(job.timer);
        job.reject(new WorkerLostError(`its worker stopped (exit code ${code})`));
      }
      inFlight.clear();
      if (this.closing) return;
      const index = this.slots.indexOf(slot);
      if (index < 0) return;
      this.lossesInARow += 1;
      if (this.lossesInARow >= MAX_LOSSES_IN_A_ROW) {
        this.options.lost?.(`workers stopped ${this.lossesInARow} times in a row without answering; the pool is given up`);
        this.slots.splice(index, 1);
        return;
      }
      this.options.lost?.(`a worker stopped (exit code ${code}); it is replaced`);
      this.slots[index] = this.start();
    });
    return slot;
  }
}

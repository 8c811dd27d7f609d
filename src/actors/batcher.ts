import type { BatchExecutor, Input, Outcome } from './batch-executor.js';
import type { RuntimeObserver } from './runtime-observer.js';

export interface BatcherOptions {
  maxSize: number;
  maxDelayMs: number;
}

interface Pending {
  envelope: Input;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: submissions from every producer (HTTP requests, NATS messages) wait here until a
 * batch is full or the oldest has waited maxDelayMs, then run as one transaction. Batches run one
 * at a time, which is also what keeps each actor single-writer; whatever arrives during a commit
 * forms the next batch.
 */
export class Batcher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly executor: BatchExecutor,
    private readonly options: BatcherOptions,
    private readonly observer?: RuntimeObserver,
  ) {}

  get depth(): number {
    return this.queue.length;
  }

  submit(envelopes: Input[]): Promise<Outcome[]> {
    const outcomes = envelopes.map(
      (envelope) => new Promise<Outcome>((resolve, reject) => this.queue.push({ envelope, resolve, reject })),
    );
    this.schedule();
    return Promise.all(outcomes);
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
    if (this.queue.length >= this.options.maxSize) this.startNow();
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

  private async loop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxSize);
      const inputs = batch.map((pending) => pending.envelope);
      const started = performance.now();
      let outcomes: Outcome[];
      try {
        outcomes = await this.executor.run(inputs);
      } catch (error) {
        for (const pending of batch) pending.reject(error);
        this.observer?.batchFailed(inputs, performance.now() - started);
        continue;
      }
      // Observed after the callers are answered: a metrics fault must not fail a committed batch.
      batch.forEach((pending, i) => pending.resolve(outcomes[i]));
      this.observer?.batchCommitted(inputs, outcomes, performance.now() - started);
    }
  }
}

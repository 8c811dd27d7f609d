import type { BatchExecutor, Input, Outcome } from './batch-executor.js';

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
      try {
        const outcomes = await this.executor.run(batch.map((pending) => pending.envelope));
        batch.forEach((pending, i) => pending.resolve(outcomes[i]));
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
  }
}

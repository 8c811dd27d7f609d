import { Worker } from 'node:worker_threads';

export interface RenewerData {
  url: string;
  instanceId: string;
  leaseMs: number;
  everyMs: number;
  /** The main thread not seen for this long: renewals stop. */
  maxStallMs: number;
  /** Float64 × 2: [0] this instance's belief holds until (epoch ms), [1] the main thread last seen (epoch ms). */
  shared: SharedArrayBuffer;
}

export type RenewerReport =
  /** `leases`: extended (partition, epoch); `waiting`: still ours, held by a commit of ours, tried again next tick. */
  | { kind: 'renewed'; startedAt: number; tookMs: number; leases: Array<[number, number]>; waiting: Array<[number, number]> }
  | { kind: 'failed'; startedAt: number; error: string }
  | { kind: 'stalled'; startedAt: number };

/** A renewer thread that died is restarted after this, doubling while it keeps dying, up to the max. */
const RESTART_MIN_MS = 100;
const RESTART_MAX_MS = 5_000;

/**
 * Renews this instance's leases from a worker thread. On the main thread a renewal waited for
 * the event loop twice (to send, then to read the answer), and with batches being correlated and
 * committed on 2 busy cores the loop was seen stalling 4 s: every instance lost its leases at once
 * while working normally. A lease should say "this process is alive", which a frozen or killed
 * process still stops saying at once; a main thread stuck for `maxStallMs` stops it too.
 */
export class LeaseRenewer {
  private worker: Worker | undefined;
  private readonly seen: NodeJS.Timeout;
  private readonly shared: Float64Array;
  private stopping = false;
  private restart: NodeJS.Timeout | undefined;
  private restartDelayMs = RESTART_MIN_MS;

  constructor(
    private readonly data: RenewerData,
    private readonly onReport: (report: RenewerReport) => void,
    private readonly onCrash: (error: unknown) => void,
  ) {
    this.shared = new Float64Array(data.shared);
    const mark = () => (this.shared[1] = performance.timeOrigin + performance.now());
    mark();
    this.seen = setInterval(mark, Math.max(50, Math.floor(data.everyMs / 2)));
    this.seen.unref();
  }

  /**
   * Starts the loop; resolves with its first report, so start-up knows what it holds before
   * balancing. Rejects if the thread exits before reporting once (it could not even load).
   */
  start(): Promise<RenewerReport> {
    return new Promise((resolve, reject) => this.spawn({ resolve, reject }));
  }

  private spawn(first?: { resolve: (report: RenewerReport) => void; reject: (error: Error) => void }): void {
    let reported = false;
    let failure: Error | undefined;
    const worker = new Worker(new URL('./lease-renewer.worker.js', import.meta.url), { workerData: this.data });
    const spawnedAt = performance.now();
    worker.on('message', (report: RenewerReport) => {
      this.onReport(report);
      if (!reported) first?.resolve(report);
      reported = true;
    });
    worker.on('error', (error) => {
      failure = error instanceof Error ? error : new Error(String(error));
      this.onCrash(error);
    });
    worker.on('exit', (code) => {
      if (this.stopping || this.worker !== worker) return;
      this.worker = undefined;
      if (first && !reported) {
        first.reject(
          new Error(
            `lease renewer thread exited (code ${code}) before renewing once${failure ? `: ${failure.message}` : ''}; ` +
              'check that the build is complete (dist/modules/cluster/lease-renewer.worker.js, `npm run build`) and that the database is reachable, then start again',
          ),
        );
        return;
      }
      // Leases expire without it; a fresh one picks the loop up again, after a delay that grows
      // while it keeps dying (no tight loop, no log flood) and starts over once one ran a while.
      if (performance.now() - spawnedAt > RESTART_MAX_MS) this.restartDelayMs = RESTART_MIN_MS;
      const delay = this.restartDelayMs;
      this.restartDelayMs = Math.min(RESTART_MAX_MS, delay * 2);
      this.onCrash(new Error(`lease renewer exited (code ${code}); restarting it in ${delay} ms`));
      this.restart = setTimeout(() => {
        this.restart = undefined;
        if (!this.stopping) this.spawn();
      }, delay);
    });
    this.worker = worker;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.seen);
    clearTimeout(this.restart);
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('stop');
    // Its connection closes in milliseconds; a worker that does not finish is ended.
    const timer = setTimeout(() => void worker.terminate(), 2_000);
    await exited;
    clearTimeout(timer);
  }
}

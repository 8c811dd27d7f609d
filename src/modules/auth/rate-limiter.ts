import { LRUCache } from 'lru-cache';

/**
 * Requests per caller (a key, or a client address) per minute, in a fixed window held in memory:
 * per instance, which is what a runaway script or a leaked key needs to be slowed down; not a
 * billing meter. At most `maxCallers` windows are kept (least recently seen leave first), so a
 * flood from many addresses cannot fill memory; a caller forgotten that way starts a new window.
 *
 * Hand-written rather than @nestjs/throttler (6.7, which does install against Nest 12): its
 * in-memory storage keeps one timestamp per request per caller for the whole window and filters
 * that list on every request, so a busy integration key costs O(requests per minute) each time —
 * 20,000 requests of one key within a minute took 21.6 s there and 21 ms here (measured
 * 2026-12-05 on the 2-core test machine under load). Its default key is also per route, where
 * corral's limit is per caller across routes; replacing both storage and key would leave only its
 * guard, and the per-key check must sit inside AccessGuard, right after the principal it keys by
 * is established (and the per-address one in middleware before the body is read).
 *
 * Callers time the windows with performance.now(): elapsed time, which a step of the wall clock
 * (or a test's manual Clock) cannot stretch or cut short.
 */
export class RateLimiter {
  private readonly windows: LRUCache<string, { start: number; count: number }>;

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    maxCallers = 100_000,
  ) {
    this.windows = new LRUCache({ max: maxCallers });
  }

  /** Undefined when allowed; otherwise the seconds until the caller's window reopens. */
  take(caller: string, now: number): number | undefined {
    const window = this.windows.get(caller);
    if (!window || now - window.start >= this.windowMs) {
      this.windows.set(caller, { start: now, count: 1 });
      return undefined;
    }
    window.count += 1;
    if (window.count <= this.limit) return undefined;
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
  }

  /** Like `take`, without counting: undefined while the caller has requests left in its window. */
  peek(caller: string, now: number): number | undefined {
    const window = this.windows.get(caller);
    if (!window || now - window.start >= this.windowMs || window.count < this.limit) return undefined;
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
  }
}

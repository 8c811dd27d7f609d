/**
 * Requests per caller per minute, in a fixed window held in memory: per instance, which is what a
 * runaway script or a leaked key needs to be slowed down; not a billing meter.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
  ) {}

  /** Undefined when allowed; otherwise the seconds until the caller's window reopens. */
  take(caller: string, now: number): number | undefined {
    const window = this.windows.get(caller);
    if (!window || now - window.start >= this.windowMs) {
      if (this.windows.size > 10_000) this.sweep(now);
      this.windows.set(caller, { start: now, count: 1 });
      return undefined;
    }
    window.count += 1;
    if (window.count <= this.limit) return undefined;
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
  }

  private sweep(now: number): void {
    for (const [caller, window] of this.windows) if (now - window.start >= this.windowMs) this.windows.delete(caller);
  }
}

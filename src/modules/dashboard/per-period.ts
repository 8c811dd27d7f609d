/**
 * A read shared by every call in one period of the clock (a minute, a few seconds): the first call
 * in a period reads, the others get that read, in flight or done. A failed read is not kept, so the
 * next call tries again.
 */
export class PerPeriod<T> {
  private held: { period: number; value: Promise<T> } | undefined;

  constructor(private readonly periodMs: number) {}

  get(now: Date, read: () => Promise<T>): Promise<T> {
    const period = Math.floor(now.getTime() / this.periodMs);
    if (this.held?.period !== period) {
      const value = read();
      this.held = { period, value };
      value.catch(() => {
        if (this.held?.value === value) this.held = undefined;
      });
    }
    return this.held.value;
  }
}

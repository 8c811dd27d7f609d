/**
 * Progress of long work (purge, replay, verify, migrate) for an operator watching: lines on
 * stderr, so stdout holds only the result (pure JSON with --json). `--quiet` silences them.
 * `tick` is for lines that would come by the thousand: at most one a second, and none in the
 * first second, so quick work stays quiet.
 */
export class Progress {
  private lastTick: number;

  constructor(
    private readonly quiet: boolean,
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastTick = now();
  }

  line(text: string): void {
    if (!this.quiet) this.write(text);
  }

  tick(text: () => string): void {
    const now = this.now();
    if (this.quiet || now - this.lastTick < 1000) return;
    this.lastTick = now;
    this.write(text());
  }
}

/** The result on stdout, written out before the process exits. */
export function printResult(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(`${text}\n`, (error) => (error ? reject(error) : resolve())));
}

export function printJson(value: unknown): Promise<void> {
  return printResult(JSON.stringify(value, null, 2));
}

import { spawn, type ChildProcess } from 'node:child_process';
import { eventually } from './harness.js';

/**
 * corral as its own process, `node dist/src/main.js` (built by `npm test` before jest), without the
 * Node flags production adds (CORRAL_NODE_FLAGS in bench/services.ts): they tune memory, not behaviour.
 */
export class CorralProcess {
  private child: ChildProcess | undefined;
  readonly port = 20_000 + Math.floor(Math.random() * 20_000);
  stderr = '';
  /** Its log (stdout) and stderr, interleaved: the last 8,000 characters. */
  output = '';

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    this.child = spawn(process.execPath, ['dist/src/main.js'], {
      env: { ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-8000)));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8000);
      this.output = (this.output + chunk.toString()).slice(-8000);
    });
    const child = this.child;
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`corral exited with ${child.exitCode}: ${this.stderr}`);
        return fetch(`http://127.0.0.1:${this.port}/health/live`).then((r) => r.ok, () => false);
      },
      (ready) => ready,
      30_000,
    );
  }

  /** Resolves with the exit code, or the signal that ended it. */
  async stop(signal: NodeJS.Signals): Promise<number | string | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig)));
    child.kill(signal);
    return exited;
  }
}

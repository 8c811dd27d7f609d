import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './harness.js';

/**
 * corral as a newcomer runs it: a process started in a directory of its own with next to nothing
 * in its environment, in its own process group (as a terminal's foreground job is), so a test can
 * press "Ctrl-C" (SIGINT to the group) or close the terminal (SIGKILL to the group).
 */
export class LocalCorral {
  private child: ChildProcess | undefined;
  output = '';

  constructor(
    readonly cwd: string,
    private readonly env: Record<string, string>,
    private readonly command: [string, ...string[]],
  ) {}

  start(): this {
    const [file, ...args] = this.command;
    const child = spawn(file, args, { cwd: this.cwd, env: this.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child = child;
    return this;
  }

  get exited(): boolean {
    const child = this.child;
    return !child || child.exitCode !== null || child.signalCode !== null;
  }

  /** Until GET /health/live answers on `port`; fails with corral's output if it exits or never does. */
  async live(port: number, timeoutMs = 60_000): Promise<void> {
    await eventually(
      async () => {
        if (this.exited) throw new Error(`corral exited (${String(this.child?.exitCode ?? this.child?.signalCode)})`);
        return fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.ok, () => false);
      },
      (ok) => ok,
      timeoutMs,
    ).catch((error: unknown) => {
      throw new Error(`corral did not come up on port ${port}: ${String(error)}\n--- its output ---\n${this.tail()}`);
    });
  }

  /** The exit code (or signal) once it ends. */
  exit(): Promise<number | string | null> {
    const child = this.child;
    if (!child) return Promise.resolve(null);
    if (this.exited) return Promise.resolve(child.exitCode ?? child.signalCode);
    return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  }

  /** Sends `signal` to its whole process group and waits for the exit. */
  async stop(signal: NodeJS.Signals): Promise<number | string | null> {
    const exit = this.exit();
    if (this.child?.pid && !this.exited) process.kill(-this.child.pid, signal);
    return exit;
  }

  /** Never leaves anything behind, whatever a test left running. */
  kill(): void {
    try {
      if (this.child?.pid && !this.exited) process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }

  tail(): string {
    return this.output.slice(-6000);
  }
}

const directories: string[] = [];

/** A fresh, world-traversable directory (embedded PostgreSQL runs as "postgres" under root). */
export function freshDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  directories.push(dir);
  return dir;
}

/** Removes every directory freshDirectory made (a clone with node_modules is half a gigabyte). */
export function removeFreshDirectories(): void {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Only what any login shell has: no DATABASE_URL, no NATS_URL, no CORRAL_*, no EMBEDDED_PG_PORT. */
export function bareEnvironment(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: home, ...extra };
}

/** The pid of the PostgreSQL serving a data directory's pg/, per its postmaster.pid. */
export function postgresPidOf(dataDir: string): number | undefined {
  try {
    return Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Stops a PostgreSQL a failed test may have left, by pid. */
export function stopPostgres(pid: number | undefined): void {
  try {
    if (pid) process.kill(pid, 'SIGINT');
  } catch {
    // already gone
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from './support/services.js';
import { seededRandom } from './support/seeded-random.js';
export { freePort };

/**
 * Several corral processes as operators run them (`node dist/src/main.js`, built beforehand), for
 * test/cluster.test.ts and bench/cluster.ts. Self-contained: the bench imports it without jest.
 */
export class ClusterNode {
  private child: ChildProcess | undefined;
  output = '';

  constructor(
    readonly id: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child?.pid ?? 0;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    this.child = spawn(process.execPath, ['dist/src/main.js'], {
      env: { PATH: process.env.PATH ?? '', ...this.env, PORT: String(this.port), HOST: '127.0.0.1', CLUSTER_INSTANCE_ID: this.id },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-20_000));
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.id} exited during start:\n${this.output.slice(-4000)}`);
      if (await fetch(`${this.baseUrl}/health/live`).then((r) => r.ok, () => false)) return;
      if (Date.now() > deadline) throw new Error(`${this.id} not live after ${timeoutMs} ms:\n${this.output.slice(-4000)}`);
      await sleep(100);
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Sends `signal` and resolves with the exit code, or the signal that ended the process. */
  async stop(signal: NodeJS.Signals): Promise<number | string | null> {
    const child = this.child;
    if (!child || !this.running) return child?.exitCode ?? child?.signalCode ?? null;
    const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig)));
    child.kill(signal);
    return exited;
  }

  /** CPU seconds (user + system) the process has used so far, from /proc (Linux). */
  cpuSeconds(): number {
    if (!this.running) return 0;
    const fields = readFileSync(`/proc/${this.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // After "pid (comm) ", utime and stime are fields 12 and 13 (0-based), in clock ticks (100/s).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** A firing alert: one distinct child of the incident of `system` (signature = system + error + facility). */
export function clusterEvent(system: string, id: string): string {
  return JSON.stringify({
    id,
    schemaVersion: '1',
    kind: 'alert',
    source: { type: 'canonical', system: 'cluster-generator' },
    occurredAt: '2026-11-24T07:00:00.000Z',
    status: 'firing',
    severity: 'high',
    system,
    facility: 'overlake',
    symptom: 'interface queue backlog',
    errorSignature: 'QUEUE_BACKLOG',
    patientImpact: false,
  });
}

/** `signatures` × `perSignature` distinct events, shuffled with a seed. */
export function clusterWorkload(signatures: number, perSignature: number, seed: number): Array<{ system: string; id: string }> {
  const rand = seededRandom(seed);
  const events: Array<{ system: string; id: string }> = [];
  for (let s = 0; s < signatures; s++) for (let c = 0; c < perSignature; c++) events.push({ system: `cl-sys-${s}`, id: `cl-${s}-${c}` });
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [events[i], events[j]] = [events[j], events[i]];
  }
  return events;
}

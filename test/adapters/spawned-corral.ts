import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, eventually, TestNats, TOKEN_KEY, type TestDatabase } from '../support/harness.js';

const MAIN = new URL('../../dist/src/main.js', import.meta.url).pathname;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** corral as operators run it (the built `dist`), so that its real log output can be read. */
export interface SpawnedCorral {
  baseUrl: string;
  db: TestDatabase;
  nats: TestNats;
  output(): string;
  stop(): Promise<void>;
}

export async function spawnCorral(env: Record<string, string> = {}): Promise<SpawnedCorral> {
  const db = await createTestDatabase();
  const nats = await TestNats.open();
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      CORRAL_TOKEN_KEY: TOKEN_KEY,
      CORRAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'corral-spawned-')),
      BATCH_MAX_DELAY_MS: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await nats.close();
    await db.drop();
  };
  await eventually(
    () => fetch(`${baseUrl}/health/ready`).then((r) => r.status).catch(() => 0),
    (status) => status === 200,
    60_000,
  ).catch(async (error: unknown) => {
    await stop();
    throw new Error(`corral did not become ready: ${String(error)}\n${output.slice(-4000)}`);
  });
  return { baseUrl, db, nats, output: () => output, stop };
}

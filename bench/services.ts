import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { Subjects } from '../src/modules/bus/message-bus.js';
import { createDataSource } from '../src/modules/database/data-source.js';
import { freePort } from '../test/support/services.js';

export const PG_ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const NATS_URL = process.env.BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
export const ALERTMANAGER_BIN = process.env.BENCH_ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

/**
 * The Node.js flags corral ships with (package.json's start scripts, the Dockerfile's CMD; a test
 * keeps them in step), so the benchmark measures what runs in production. A young generation of
 * 64 MB (default 16) lets a batch's objects die young instead of being promoted while they wait
 * for their COMMIT; one V8 helper thread (default 4) keeps the collector's concurrent marking from
 * taking both cores from Postgres. Flags given with --node-arg come after these and win.
 */
export const CORRAL_NODE_FLAGS = ['--max-semi-space-size=64', '--v8-pool-size=1'];

export const progress = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

export const suffix = () => randomBytes(4).toString('hex');

// The tests' helper (node:net only): one implementation of "a port nobody listens on".
export { freePort };

export async function withPg<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database for one phase, dropped afterwards. */
export async function createDatabase(): Promise<BenchDatabase> {
  const name = `corral_bench_${suffix()}`;
  await withPg(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => withPg(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) };
}

/** A database of its own with corral's schema, for `work`; dropped after, whatever happens. */
export async function withMigratedDatabase<T>(work: (ds: DataSource) => Promise<T>): Promise<T> {
  const db = await createDatabase();
  const ds = createDataSource(db.url);
  try {
    await ds.initialize();
    await ds.runMigrations();
    return await work(ds);
  } finally {
    await ds.destroy();
    await db.drop();
  }
}

/**
 * How much WAL the PostgreSQL server has written (bytes) and how many full-page images, read
 * server-wide: the run's database is the only one writing during a phase, so a difference of two
 * readings is what corral made PostgreSQL write. Issue 24's "WAL per event".
 */
export async function walWritten(): Promise<{ bytes: number; fullPages: number; lsn: string }> {
  return withPg(PG_ADMIN_URL, async (c) => {
    const { rows } = await c.query<{ bytes: string; fpi: string; lsn: string }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS bytes, (SELECT wal_fpi FROM pg_stat_wal)::text AS fpi, pg_current_wal_lsn()::text AS lsn`,
    );
    return { bytes: Number(rows[0]?.bytes ?? 0), fullPages: Number(rows[0]?.fpi ?? 0), lsn: rows[0]?.lsn ?? '0/0' };
  });
}

/**
 * A checkpoint now, so that a WAL window starts right after one: the full-page images PostgreSQL
 * writes at a page's first change after a checkpoint then fall the same way in every run, instead of
 * wherever the server's own checkpoints (every max_wal_size) happened to land in the window.
 */
export async function checkpointNow(): Promise<void> {
  await withPg(PG_ADMIN_URL, (c) => c.query('CHECKPOINT'));
}

/** One relation's share of the WAL between two positions: all its records' bytes, and of those the full-page images'. */
export interface WalShare {
  relation: string;
  bytes: number;
  fullPageBytes: number;
  records: number;
}

/**
 * The WAL written between two positions, by the relation each record changed, from
 * `pg_walinspect` (installed in the run's database, which is dropped after). Records without a
 * relation (commits, say) are one row. Names are resolved in the run's database.
 */
export async function walByRelation(databaseUrl: string, from: string, to: string): Promise<WalShare[]> {
  return withPg(databaseUrl, async (c) => {
    await c.query(`CREATE EXTENSION IF NOT EXISTS pg_walinspect`);
    const { rows } = await c.query<{ relation: string; bytes: string; fpi: string; records: string }>(
      `WITH r AS (
         SELECT record_length, fpi_length, substring(block_ref from 'rel \\d+/\\d+/(\\d+)')::oid AS node, resource_manager
           FROM pg_get_wal_records_info($1::pg_lsn, $2::pg_lsn))
       SELECT coalesce(c.relname, CASE WHEN r.node IS NULL THEN '(no relation: ' || min(r.resource_manager) || ' …)' ELSE 'relfilenode ' || r.node END) AS relation,
              sum(r.record_length)::text AS bytes, sum(r.fpi_length)::text AS fpi, count(*)::text AS records
         FROM r LEFT JOIN pg_class c ON c.relfilenode = r.node
        GROUP BY c.relname, r.node ORDER BY sum(r.record_length) DESC`,
      [from, to],
    );
    return rows.map((row) => ({ relation: row.relation, bytes: Number(row.bytes), fullPageBytes: Number(row.fpi), records: Number(row.records) }));
  });
}

/** Deletes the streams corral created under a namespace. */
export async function deleteStreams(namespace: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    const subjects = new Subjects(namespace);
    for (const stream of subjects.streams) await jsm.streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}

/** Peak and current resident set of a process, from /proc (Linux), in bytes. */
export function memoryOf(pid: number): { peak: number; current: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { peak: kb('VmHWM'), current: kb('VmRSS') };
}

async function waitReady(url: string, what: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode} before it was ready`);
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not ready at ${url} after ${timeoutMs} ms`);
}

async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export interface Service {
  baseUrl: string;
  pid: number;
  stop(): Promise<number | null>;
}

/**
 * How Alertmanager's route groups alerts. `none`: no `group_by`, so every alert joins one
 * aggregation group: its cheapest configuration. `per-alert`: `group_by: ['...']`, one group per
 * label set, which Alertmanager's documentation gives for a receiver that "performs its own
 * grouping" (corral, which correlates alerts itself, is such a receiver). Issue 5 quotes
 * Alertmanager at 20,000–29,000 alerts/s on this kind of machine, which is the rate of the second.
 */
export type AlertmanagerGrouping = 'none' | 'per-alert';

const ALERTMANAGER_ROUTES: Record<AlertmanagerGrouping, string> = {
  none: "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n",
  'per-alert': "route:\n  receiver: 'null'\n  group_by: ['...']\nreceivers:\n  - name: 'null'\n",
};

/**
 * Prometheus Alertmanager on a free loopback port: its own storage directory, clustering off, a
 * null receiver (no notifications leave it), so what is measured is its ingest.
 */
export async function startAlertmanager(grouping: AlertmanagerGrouping = 'none'): Promise<Service & { version: string }> {
  if (!existsSync(ALERTMANAGER_BIN)) {
    throw new Error(`${ALERTMANAGER_BIN} not found: apt-get install prometheus-alertmanager (or set BENCH_ALERTMANAGER_BIN)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'corral-bench-am-'));
  writeFileSync(join(dir, 'alertmanager.yml'), ALERTMANAGER_ROUTES[grouping]);
  const port = await freePort();
  const child = spawn(
    ALERTMANAGER_BIN,
    [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${baseUrl}/-/ready`, 'alertmanager', child);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`, { cause: error });
  }
  const version = spawnSync(ALERTMANAGER_BIN, ['--version'], { encoding: 'utf8' });
  return {
    baseUrl,
    pid: child.pid as number,
    version: /version (\S+)/.exec(`${version.stdout}${version.stderr}`)?.[1] ?? 'unknown',
    stop: async () => {
      const code = await stop(child);
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

export interface CorralProcess extends Service {
  namespace: string;
  /** The `Authorization` header value for the admin key corral minted at first start. */
  authorization: string;
  /** Where `--cpu-prof` wrote its profile, when asked for. */
  profileDir?: string;
}

/**
 * corral as it runs in production: `node ${CORRAL_NODE_FLAGS} dist/src/main.js`, on the real Postgres and NATS. Its own
 * process, so its RSS is its own and the load generator does not share its event loop.
 */
export async function startCorral(
  databaseUrl: string,
  options: { cpuProfileDir?: string; env?: Record<string, string>; nodeArgs?: string[]; /** corral's stdout (its log, and e.g. --trace-gc) goes here */ logFile?: string } = {},
): Promise<CorralProcess> {
  const port = await freePort();
  const namespace = `bench${suffix()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'corral-bench-data-'));
  const nodeArgs = [...CORRAL_NODE_FLAGS, ...(options.nodeArgs ?? []), ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [])];
  const child = spawn(process.execPath, [...nodeArgs, 'dist/src/main.js'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      NATS_URL,
      NATS_NAMESPACE: namespace,
      PORT: String(port),
      HOST: '127.0.0.1',
      CORRAL_TOKEN_KEY: 'bench-token-key-0123456789abcdefghijklmnopqrstuv',
      CORRAL_DATA_DIR: dataDir,
      // Per-request access logs at info would be measured too; production sites often run at warn.
      LOG_LEVEL: 'warn',
      // One key sends everything here; the per-key limit (6,000/min) would otherwise be what is measured.
      CORRAL_RATE_LIMIT_PER_MINUTE: '1000000000',
      ...options.env,
    },
    stdio: ['ignore', options.logFile ? openSync(options.logFile, 'a') : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${baseUrl}/health/live`, 'corral', child, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`, { cause: error });
  }
  // A fresh database has no keys: corral minted the first admin key into its data directory.
  const authorization = `Bearer ${readFileSync(join(dataDir, 'admin.key'), 'utf8').trim()}`;
  return {
    baseUrl,
    pid: child.pid as number,
    namespace,
    authorization,
    ...(options.cpuProfileDir ? { profileDir: options.cpuProfileDir } : {}),
    stop: async () => {
      const code = await stop(child);
      rmSync(dataDir, { recursive: true, force: true });
      await deleteStreams(namespace);
      return code;
    },
  };
}

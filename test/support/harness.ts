import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { ChainKeys } from '../../src/actors/chain-keys.js';
import type { AppOverrides } from '../../src/app.module.js';
import { createApp } from '../../src/bootstrap.js';
import { eventIdToken } from '../../src/correlation/privacy.js';
import { anEvent } from '../../src/correlation/test-events.js';
import { Subjects } from '../../src/modules/bus/message-bus.js';
import { ApiKeys } from '../../src/modules/auth/api-keys.js';
import type { Role } from '../../src/modules/auth/roles.js';
import { loadConfig } from '../../src/modules/config/corral-config.js';
import { createDataSource } from '../../src/modules/database/data-source.js';
import type { DataSource } from 'typeorm';
import { ENV, required } from './services.js';

export const TOKEN_KEY = 'test-token-key-0123456789abcdefghijklmnop';
/** The chains' key in tests (README "Audit trail"); verifyChains needs the one the corral under test used. */
export const CHAIN_KEY = 'test-chain-key-0123456789abcdefghijklmnop';
export const TEST_CHAIN_KEYS = new ChainKeys([CHAIN_KEY]);
/** The id corral keeps for a source's event id: its keyed token under TOKEN_KEY. */
export const childIdOf = (sourceId: string): string => eventIdToken(TOKEN_KEY, sourceId);

const suffix = () => randomBytes(5).toString('hex');

/** A database of the suite's own, dropped afterwards: suites never see each other's rows. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = required(ENV.pgAdminUrl);
  const name = `corral_test_${suffix()}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * A suite's own migrated database and a small DataSource on it, for suites that drive the runtime's
 * parts directly (no HTTP app): created before the suite, dropped after it. Read `db` and
 * `dataSource` inside hooks and tests, once beforeAll has run.
 */
export function useMigratedDatabase(): { readonly db: TestDatabase; readonly dataSource: DataSource } {
  const suite = {} as { db: TestDatabase; dataSource: DataSource };
  beforeAll(async () => {
    suite.db = await createTestDatabase();
    suite.dataSource = createDataSource(suite.db.url, { poolSize: 2 });
    await suite.dataSource.initialize();
    await suite.dataSource.runMigrations();
  });
  afterAll(async () => {
    await suite.dataSource?.destroy();
    await suite.db?.drop();
  });
  return suite;
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Stream and subject names of the suite's own, deleted afterwards. */
export class TestNats {
  readonly namespace = `t${suffix()}`;
  readonly subjects = new Subjects(this.namespace);
  readonly url = required(ENV.natsUrl);
  private constructor(
    readonly nc: NatsConnection,
    readonly jsm: JetStreamManager,
  ) {}

  static async open(): Promise<TestNats> {
    const nc = await connect({ servers: required(ENV.natsUrl) });
    return new TestNats(nc, await jetstreamManager(nc));
  }

  async ingestConsumer() {
    return this.jsm.consumers.info(this.subjects.inStream, this.subjects.ingestConsumer);
  }

  async close(): Promise<void> {
    for (const stream of this.subjects.streams) await this.jsm.streams.delete(stream).catch(() => false);
    await this.nc.drain();
  }
}

export interface RunningCorral {
  app: INestApplication;
  baseUrl: string;
  /** An admin key the harness minted; getJson/postJson/apiFetch send it to this corral unless told otherwise. */
  adminKey: string;
  /** A fresh key with another role (or expiry), for tests that are about who may do what. */
  mintKey(role: Role, options?: { label?: string; expiresAt?: Date }): Promise<{ id: string; key: string }>;
  close(): Promise<void>;
  /** Every route the running app serves, as Fastify registered it (method, template). */
  routes: Array<{ method: string; path: string }>;
}

// Every corral a test starts answers only to keys; the harness remembers each one's admin key by
// origin, so suites written before authentication keep calling it as before — production gains no bypass.
const keysByOrigin = new Map<string, string>();

/** Makes getJson/postJson/apiFetch send `key` to the corral at `baseUrl` (e.g. a spawned one). */
export function registerKey(baseUrl: string, key: string): void {
  keysByOrigin.set(new URL(baseUrl).origin, key);
}

/** `key: null` sends no Authorization at all; a string sends that key; undefined, the corral's admin key. */
export interface AuthOption {
  key?: string | null;
}

function withAuth(url: string, headers: Record<string, string>, auth: AuthOption = {}): Record<string, string> {
  const key = auth.key === undefined ? keysByOrigin.get(new URL(url).origin) : auth.key;
  if (key === null || key === undefined || Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) return headers;
  return { ...headers, authorization: `Bearer ${key}` };
}

/** fetch, with the admin key of the harness-started corral at that origin. */
export function apiFetch(url: string, init: RequestInit = {}, auth: AuthOption = {}): Promise<Response> {
  return fetch(url, { ...init, headers: withAuth(url, (init.headers as Record<string, string> | undefined) ?? {}, auth) });
}

export async function startCorral(env: Record<string, string>, overrides: AppOverrides = {}): Promise<RunningCorral> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    CORRAL_TOKEN_KEY: TOKEN_KEY,
    CORRAL_CHAIN_KEY: CHAIN_KEY,
    CORRAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'corral-data-')),
    LOG_LEVEL: 'error',
    BATCH_MAX_DELAY_MS: '2',
    ...env,
  });
  const app = await createApp(config, overrides);
  // Nest registers its routes as the app starts listening: each is seen here as it is added.
  const routes: Array<{ method: string; path: string }> = [];
  app.getHttpAdapter().getInstance().addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, path: route.url });
  });
  // Any free port on loopback unless the suite names one (a peer whose shipped config names corral's address).
  await app.listen(config.port, config.host);
  const server = app.getHttpServer();
  const address = server.address() as { port: number };
  const baseUrl = `http://${config.host}:${address.port}`;
  const keys = app.get(ApiKeys, { strict: false });
  const mintKey = async (role: Role, options: { label?: string; expiresAt?: Date } = {}) =>
    keys.create({ role, label: options.label ?? `test ${role}`, createdBy: 'test harness', expiresAt: options.expiresAt ?? null });
  const { key: adminKey } = await mintKey('admin', { label: 'test harness admin' });
  registerKey(baseUrl, adminKey);
  return { app, baseUrl, adminKey, mintKey, close: () => app.close(), routes };
}

export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await probe();
  while (!accept(last)) {
    if (Date.now() > deadline) throw new Error(`condition not reached in ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await probe();
  }
  return last;
}

export async function getJson<T = unknown>(url: string, auth: AuthOption = {}): Promise<{ status: number; body: T }> {
  const response = await apiFetch(url, {}, auth);
  return { status: response.status, body: (await response.json()) as T };
}

export async function postJson<T = unknown>(url: string, body: unknown, auth: AuthOption = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const response = await apiFetch(
    url,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) },
    auth,
  );
  return { status: response.status, body: (await response.json()) as T, headers: response.headers };
}

let counter = 0;
/** A valid canonical event v1 as a producer sends it: no receivedAt, no correlationId. */
export function canonical(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  const { receivedAt: _r, correlationId: _c, ...event } = anEvent({ id: `evt-${counter}`, source: { type: 'canonical', system: 'probe' } });
  return { ...event, ...overrides };
}

export interface CorralSuite {
  db: TestDatabase;
  nats: TestNats;
  corral: RunningCorral;
}

/**
 * The usual suite: its own database, its own NATS namespace, and a corral running on both, all
 * removed after the suite. Fields are filled in by beforeAll; `env` may be a function, read then.
 */
export function useCorralSuite(env: Record<string, string> | (() => Record<string, string>) = {}, prepare?: (db: TestDatabase) => Promise<void>): CorralSuite {
  const suite = {} as CorralSuite;
  beforeAll(async () => {
    suite.db = await createTestDatabase();
    suite.nats = await TestNats.open();
    // A function: settings known only once an earlier beforeAll ran (a peer's port, say).
    const settings = typeof env === 'function' ? env() : env;
    suite.corral = await startCorral({ DATABASE_URL: suite.db.url, NATS_URL: suite.nats.url, NATS_NAMESPACE: suite.nats.namespace, ...settings });
    await prepare?.(suite.db);
  });
  afterAll(async () => {
    await suite.corral?.close();
    await suite.nats?.close();
    await suite.db?.drop();
  });
  return suite;
}

/**
 * Resolves once corral has correlated everything in its inbox: a 202 (or a NATS ack) means durable,
 * and correlation follows; tests that read incidents after NATS intake wait here.
 */
export async function inboxCorrelated(databaseUrl: string, timeoutMs = 15_000): Promise<void> {
  await eventually(
    () => withClient(databaseUrl, async (c) => (await c.query<{ done: boolean }>(`SELECT (SELECT position FROM inbox_cursor) >= coalesce((SELECT max(position) FROM inbox), 0) AS done`)).rows[0]?.done === true),
    (done) => done,
    timeoutMs,
  );
}

/** Correlation held back by a test: see holdCorrelation. */
export interface HeldCorrelation {
  /** The correlated position when the hold began. */
  cursor: number;
  /** Whether a batch's commit statement is waiting on the hold (in flight: neither committed nor failed). */
  blocking(): Promise<boolean>;
  /** Lets the waiting commit go on. */
  release(): Promise<void>;
}

/**
 * Holds correlation back: the test locks the inbox cursor row, so the next batch's one commit
 * statement waits at its cursor update while appends (202s, acks) go on. Lets a test stop or kill
 * corral with a commit surely in flight and rows surely waiting, instead of hoping to catch a
 * statement of a few milliseconds.
 */
export async function holdCorrelation(databaseUrl: string): Promise<HeldCorrelation> {
  const held = new pg.Client({ connectionString: databaseUrl });
  await held.connect();
  await held.query('BEGIN');
  const cursor = Number((await held.query<{ position: string }>(`SELECT position FROM inbox_cursor FOR UPDATE`)).rows[0]?.position);
  return {
    cursor,
    blocking: async () => (await held.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))`)).rows[0]?.n !== 0,
    release: async () => {
      await held.query('ROLLBACK');
      await held.end();
    },
  };
}

/** Inbox rows appended and not yet correlated. */
export function inboxPending(databaseUrl: string): Promise<number> {
  return withClient(databaseUrl, async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbox WHERE position > (SELECT position FROM inbox_cursor)`)).rows[0]?.n ?? 0);
}

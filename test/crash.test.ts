import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import pg from 'pg';
import { verifyChains } from '../src/modules/audit/chain-verifier.js';
import { createDataSource } from '../src/modules/database/data-source.js';
import { CorralProcess } from './support/corral-process.js';
import { CHAIN_KEY, createTestDatabase, eventually, holdCorrelation, inboxCorrelated, inboxPending, TEST_CHAIN_KEYS, TestNats, TOKEN_KEY, withClient, type TestDatabase } from './support/harness.js';
import { seededRandom } from './support/seeded-random.js';

/**
 * The ground truth: SIGNATURES systems, each with DISTINCT distinct alerts, REPEATS real repeats
 * (an id of the system again, at a later occurredAt: counted on that child's `repeats`) and
 * RESENDS exact resends (a copy of one of the system's events, same id, status and occurredAt: the
 * inbox keeps it once, so it counts nowhere), shuffled. Every event that is not an exact resend
 * must end up counted exactly once: as a child the first time its id is seen, as a repeat after that.
 */
const SIGNATURES = 100;
const DISTINCT = 60;
const REPEATS = 20;
const RESENDS = 20;
const UNIQUE = SIGNATURES * (DISTINCT + REPEATS);
const TOTAL = SIGNATURES * (DISTINCT + REPEATS + RESENDS);
const BASE = Date.parse('2026-11-24T07:00:00.000Z');

interface Sent {
  system: string;
  id: string;
  occurredAt: string;
}

/** Seeded, so a failing run can be repeated with the seed it prints. */
const random = seededRandom;

function groundTruth(rand: () => number): Sent[] {
  const events: Sent[] = [];
  for (let s = 0; s < SIGNATURES; s++) {
    const system = `crash-sys-${s}`;
    const own: Sent[] = [];
    for (let c = 0; c < DISTINCT; c++) own.push({ system, id: `crash-${s}-${c}`, occurredAt: new Date(BASE).toISOString() });
    // Each repeat at an instant of its own: two repeats of one child at the same instant would be an exact resend.
    for (let r = 0; r < REPEATS; r++) own.push({ system, id: `crash-${s}-${Math.floor(rand() * DISTINCT)}`, occurredAt: new Date(BASE + (r + 1) * 1000).toISOString() });
    for (let r = 0; r < RESENDS; r++) own.push({ ...own[Math.floor(rand() * (DISTINCT + REPEATS))] });
    events.push(...own);
  }
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [events[i], events[j]] = [events[j], events[i]];
  }
  return events;
}

function canonicalEvent(e: Sent): Record<string, unknown> {
  return {
    id: e.id,
    schemaVersion: '1',
    kind: 'alert',
    source: { type: 'canonical', system: 'crash-generator' },
    occurredAt: e.occurredAt,
    status: 'firing',
    severity: 'high',
    system: e.system,
    facility: 'overlake',
    symptom: 'interface queue backlog',
    errorSignature: 'QUEUE_BACKLOG',
    patientImpact: false,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What a kill hit, read after corral was gone (not guessed before the signal). */
interface KillReport {
  /** Inbox rows appended and not correlated once the killed corral's statements had finished. */
  pendingAfter: number;
  /** A batch's commit statement was running (held at the inbox cursor) when corral died. */
  midCommit: boolean;
  /** That batch committed after its sender died (PostgreSQL finishes a statement it was given). */
  midCommitLanded?: boolean;
  /** NATS: messages taken and not acked when corral died (redelivered after the restart). */
  unacked?: number;
  /** HTTP: requests cut by the kill (sent, then the connection reset): retried by their senders. */
  cut?: number;
  /** Seconds into the run when corral was killed, and how long it then took to start again. */
  at: number;
  restart: number;
}

/**
 * A transport's senders: they run in the background from `start` and resolve `done` once every
 * event was taken (202 or published), whatever corral went through meanwhile.
 */
interface Senders {
  done: Promise<void>;
  /** HTTP: requests cut so far by a kill. */
  cut(): number;
  /** NATS: messages taken and not acked right now. */
  unacked(): Promise<number | undefined>;
  check(): void;
}

type Transport = 'nats' | 'http';

describe.each<Transport>(['nats', 'http'])('crash: SIGKILL while events stream in over %s', (transport) => {
  let db: TestDatabase;
  let nats: TestNats;
  let corral: CorralProcess | undefined;
  /** The test's own connection, for probes polled every few milliseconds. */
  let probe: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    nats = await TestNats.open();
  });

  afterAll(async () => {
    // A failed assertion must not leave corral running (it would keep jest alive).
    await corral?.stop('SIGKILL');
    await probe?.end().catch(() => undefined);
    await nats?.close();
    await db?.drop();
  });

  const pendingNow = async (): Promise<number> =>
    Number((await probe.query<{ n: string | null }>(`SELECT (SELECT max(position) FROM inbox) - (SELECT position FROM inbox_cursor) AS n`)).rows[0]?.n ?? 0);

  const appendedSoFar = async (): Promise<number> => Number((await probe.query<{ n: string | null }>(`SELECT max(position) AS n FROM inbox`)).rows[0]?.n ?? 0);

  /** Waits (polling every 2 ms, at most `ms`) for a state; false if it never came. */
  async function until(state: () => Promise<boolean>, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await state()) return true;
      await sleep(2);
    }
    return false;
  }

  /** Backends of the database other than the test's own still running a statement (a dead corral's, finishing). */
  async function othersIdle(): Promise<void> {
    await eventually(
      async () => Number((await probe.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND state = 'active'`)).rows[0]?.n),
      (n) => n === 0,
      10_000,
    );
  }

  async function kill(senders: Senders, holdCommit: boolean, report: KillReport[], started: number): Promise<void> {
    const cutBefore = senders.cut();
    let midCommit = false;
    let cursorAtKill = 0;
    if (holdCommit) {
      // With correlation held at the cursor row, the next batch's one statement waits there, so the
      // kill surely lands while a commit is in flight (a 20 ms statement is hit only sometimes by
      // polling). Appends go on meanwhile, so rows are pending too.
      const held = await holdCorrelation(db.url);
      cursorAtKill = held.cursor;
      await until(async () => (await held.blocking()) && (await pendingNow()) > 0, 20_000);
      expect(await corral?.stop('SIGKILL')).toBe('SIGKILL');
      midCommit = await held.blocking();
      await held.release();
    } else {
      // corral correlates a page in tens of milliseconds: the kill comes as soon as rows are waiting.
      await until(async () => (await pendingNow()) > 0 && (transport === 'http' || ((await senders.unacked()) ?? 0) > 0), 5_000);
      expect(await corral?.stop('SIGKILL')).toBe('SIGKILL');
    }
    const unacked = await senders.unacked();
    await othersIdle();
    const pendingAfter = await inboxPending(db.url);
    const cursor = Number((await probe.query<{ position: string }>(`SELECT position FROM inbox_cursor`)).rows[0]?.position);
    const at = (Date.now() - started) / 1000;
    const cut = senders.cut() - cutBefore;
    await corral?.start();
    report.push({
      at,
      restart: (Date.now() - started) / 1000 - at,
      pendingAfter,
      midCommit,
      ...(midCommit ? { midCommitLanded: cursor > cursorAtKill } : {}),
      ...(unacked === undefined ? {} : { unacked }),
      ...(transport === 'http' ? { cut } : {}),
    });
  }

  it('counts every event exactly once after three kills and restarts, exact resends nowhere, with one incident per signature and a valid journal chain', async () => {
    const started = Date.now();
    const seed = Date.now() % 100_000;
    const rand = random(seed);
    const events = groundTruth(rand);
    const dataDir = mkdtempSync(join(tmpdir(), 'corral-crash-'));
    corral = new CorralProcess({
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      CORRAL_TOKEN_KEY: TOKEN_KEY,
      CORRAL_CHAIN_KEY: CHAIN_KEY,
      CORRAL_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // Messages a killed corral took but never acked come back after this, not after 30 s.
      NATS_ACK_WAIT_MS: '4000',
    });
    await corral.start();
    probe = new pg.Client({ connectionString: db.url });
    await probe.connect();

    const senders = transport === 'nats' ? natsSenders(nats, events) : httpSenders(`http://127.0.0.1:${corral.port}`, readFileSync(join(dataDir, 'admin.key'), 'utf8').trim(), events, rand);
    // Three kills, one in each third of the inbox's growth: the first as soon as rows wait to be
    // correlated, the second with a batch's commit in flight, the third again with rows waiting
    // (NATS: and messages taken but not acked; HTTP: requests in flight are cut).
    const killAt = [0, 1, 2].map((third) => Math.floor(((third + 0.2 + rand() * 0.5) / 3) * UNIQUE));
    const report: KillReport[] = [];
    let failed: unknown;
    const sending = senders.done.catch((error: unknown) => (failed = error));
    for (const [k, at] of killAt.entries()) {
      await until(async () => failed !== undefined || (await appendedSoFar()) >= at, 60_000);
      if (failed !== undefined) break;
      await kill(senders, k === 1, report, started);
    }
    await sending;
    expect(failed).toBeUndefined();
    senders.check();
    const sentSeconds = (Date.now() - started) / 1000;

    if (transport === 'nats') {
      // Done when nothing is left to deliver and nothing awaits an ack.
      await eventually(() => nats.ingestConsumer(), (c) => c.num_pending === 0 && c.num_ack_pending === 0, 40_000);
      const consumer = await nats.ingestConsumer();
      expect(consumer.delivered.stream_seq).toBe(TOTAL);
    }
    await inboxCorrelated(db.url, 60_000);
    // Everything is correlated, so how corral stops no longer matters here (test/shutdown.test.ts is about SIGTERM).
    await corral.stop('SIGKILL');

    const context = `${transport}, seed ${seed}, kills after ${killAt.join(', ')} appended: ${JSON.stringify(report)}`;
    console.log(`crash over ${transport}: ${TOTAL} events sent in ${sentSeconds.toFixed(1)} s, all correlated after ${((Date.now() - started) / 1000).toFixed(1)} s; ${context}`);
    // The kills hit what this test is about: rows appended and not correlated, and a commit in flight.
    expect({ context, killed: report.length, pending: report.some((r) => r.pendingAfter > 0), midCommit: report.some((r) => r.midCommit) }).toEqual({ context, killed: 3, pending: true, midCommit: true });

    // The inbox holds each event once: exact resends and retried requests found their dedup key.
    const rows = await withClient(db.url, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM inbox`)).rows[0]?.n));
    expect({ context, rows }).toEqual({ context, rows: UNIQUE });

    const counts = await withClient(db.url, async (c) =>
      (
        await c.query<{ system: string; incidents: number; children: number; child_count: number; repeats: number }>(
          `SELECT i.system, count(DISTINCT i.id)::int AS incidents, count(ch.child_key)::int AS children,
                  (SELECT sum(child_count) FROM incident WHERE system = i.system)::int AS child_count,
                  coalesce(sum(ch.repeats), 0)::int AS repeats
             FROM incident i LEFT JOIN incident_child ch ON ch.incident_id = i.id
            GROUP BY i.system ORDER BY i.system`,
        )
      ).rows,
    );
    expect({ context, systems: counts.length }).toEqual({ context, systems: SIGNATURES });
    // Each row: one incident, DISTINCT children, REPEATS repeats; its RESENDS exact resends nowhere.
    const wrong = counts.filter((row) => row.incidents !== 1 || row.children !== DISTINCT || row.child_count !== DISTINCT || row.repeats !== REPEATS);
    expect({ context, wrong }).toEqual({ context, wrong: [] });
    expect(counts.reduce((sum, row) => sum + row.children + row.repeats, 0)).toBe(UNIQUE);

    const signatures = await withClient(db.url, async (c) => Number((await c.query<{ n: string }>(`SELECT count(DISTINCT signature) AS n FROM journal`)).rows[0]?.n));
    expect(signatures).toBe(SIGNATURES);
    // The same verifier as GET /v1/audit/verify (test/audit-chain.test.ts shows it catching an edited row).
    const dataSource = createDataSource(db.url, { poolSize: 1 });
    await dataSource.initialize();
    try {
      const chains = await verifyChains(dataSource, { keys: TEST_CHAIN_KEYS, checkpointFile: join(tmpdir(), 'no-checkpoint-here') });
      expect(chains.journal).toEqual(expect.objectContaining({ chains: SIGNATURES, brokenChains: 0, firstBroken: null }));
    } finally {
      await dataSource.destroy();
    }
  }, 120_000);
});

/** Publishes in steps of 250, so the stream spreads over the run and the kills land among batches; JetStream takes them whether corral is up or not. */
function natsSenders(nats: TestNats, events: Sent[]): Senders {
  const js = jetstream(nats.nc);
  const subject = nats.subjects.in('canonical');
  const done = (async () => {
    for (let i = 0; i < events.length; i += 250) {
      // A loaded machine (CI shares two cores with PostgreSQL and NATS) can take more than the default 5 s to ack 250 publishes at once; the test is about redelivery, not publish latency.
      await Promise.all(events.slice(i, i + 250).map((e) => js.publish(subject, JSON.stringify(canonicalEvent(e)), { timeout: 30_000 })));
      await sleep(60);
    }
  })();
  return {
    done,
    cut: () => 0,
    unacked: async () => (await nats.ingestConsumer()).num_ack_pending,
    check: () => undefined,
  };
}

/**
 * Four senders posting requests of 1–250 events, each retrying a request until it is answered 202,
 * as a real sender does: a refused connection (corral is down) or one reset mid-request (killed
 * while it held the request; its events may or may not be in the inbox, and the retry's dedup
 * keys make that harmless), and 503/429 (starting, or behind) after a pause.
 */
function httpSenders(baseUrl: string, key: string, events: Sent[], rand: () => number): Senders {
  const requests: Sent[][] = [];
  for (let i = 0; i < events.length; ) {
    const size = 1 + Math.floor(rand() * 250);
    requests.push(events.slice(i, i + size));
    i += size;
  }
  let next = 0;
  let cut = 0;
  const answered = { accepted: 0, duplicates: 0, rejected: 0, events: 0 };
  const unexpected: string[] = [];
  const send = async (batch: Sent[]): Promise<void> => {
    const body = JSON.stringify(batch.map(canonicalEvent));
    for (;;) {
      let response: Response;
      try {
        response = await fetch(`${baseUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });
      } catch (error) {
        const code = ((error as { cause?: { code?: string } }).cause?.code ?? '').toString();
        // Refused: corral is not listening (killed, or starting). Anything else: the request was cut.
        if (code !== 'ECONNREFUSED') cut += 1;
        await sleep(50);
        continue;
      }
      if (response.status === 202) {
        const answer = (await response.json()) as { accepted: number; duplicates: number; rejected: unknown[] };
        answered.accepted += answer.accepted;
        answered.duplicates += answer.duplicates;
        answered.rejected += answer.rejected.length;
        answered.events += batch.length;
        return;
      }
      await response.arrayBuffer().catch(() => undefined);
      // Anything but "come back shortly" is not retried: check() lists it.
      if (response.status !== 503 && response.status !== 429) return void unexpected.push(String(response.status));
      await sleep(100);
    }
  };
  const done = Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < requests.length) await send(requests[next++]);
    }),
  ).then(() => undefined);
  return {
    done,
    cut: () => cut,
    unacked: () => Promise.resolve(undefined),
    check: () => {
      // Every event answered 202, each as accepted or as a duplicate (a resend, or a retry of a cut
      // request that had been appended); none refused. Accepted can fall short of UNIQUE only by
      // events of cut requests that were appended before the cut.
      expect({ unexpected, events: answered.events, rejected: answered.rejected, counted: answered.accepted + answered.duplicates }).toEqual({ unexpected: [], events: TOTAL, rejected: 0, counted: TOTAL });
      expect(answered.accepted).toBeLessThanOrEqual(UNIQUE);
    },
  };
}

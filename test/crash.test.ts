import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { verifyChains } from '../src/modules/audit/chain-verifier.js';
import { createDataSource } from '../src/modules/database/data-source.js';
import { CorralProcess } from './support/corral-process.js';
import { CHAIN_KEY, createTestDatabase, eventually, TEST_CHAIN_KEYS, TestNats, TOKEN_KEY, withClient, type TestDatabase } from './support/harness.js';

/**
 * The ground truth: SIGNATURES systems, each with DISTINCT distinct alerts and REPEATS resends of
 * some of them (same source.system and id), shuffled. Every event must end up counted exactly
 * once: as a child the first time its id is seen, as a repeat after that.
 */
const SIGNATURES = 200;
const DISTINCT = 80;
const REPEATS = 20;
const TOTAL = SIGNATURES * (DISTINCT + REPEATS);

/** A small seeded generator, so a failing run can be repeated with the seed it prints. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function groundTruth(rand: () => number): Array<{ system: string; id: string }> {
  const events: Array<{ system: string; id: string }> = [];
  for (let s = 0; s < SIGNATURES; s++) {
    const system = `crash-sys-${s}`;
    for (let c = 0; c < DISTINCT; c++) events.push({ system, id: `crash-${s}-${c}` });
    for (let r = 0; r < REPEATS; r++) events.push({ system, id: `crash-${s}-${Math.floor(rand() * DISTINCT)}` });
  }
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [events[i], events[j]] = [events[j], events[i]];
  }
  return events;
}

function canonicalEvent(e: { system: string; id: string }): string {
  return JSON.stringify({
    id: e.id,
    schemaVersion: '1',
    kind: 'alert',
    source: { type: 'canonical', system: 'crash-generator' },
    occurredAt: '2026-11-24T07:00:00.000Z',
    status: 'firing',
    severity: 'high',
    system: e.system,
    facility: 'overlake',
    symptom: 'interface queue backlog',
    errorSignature: 'QUEUE_BACKLOG',
    patientImpact: false,
  });
}

/** Resolves as soon as corral holds delivered, unacked messages (polled every 2 ms, for at most 3 s). */
async function inFlight(nats: TestNats): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (Date.now() < deadline && (await nats.ingestConsumer()).num_ack_pending === 0) await new Promise((r) => setTimeout(r, 2));
}

describe('crash: SIGKILL while JetStream events stream in', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let corral: CorralProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    nats = await TestNats.open();
  });

  afterAll(async () => {
    // A failed assertion must not leave corral running (it would keep jest alive).
    await corral?.stop('SIGKILL');
    await nats?.close();
    await db?.drop();
  });

  it('reflects every event exactly once after three kills and restarts, with one incident per signature and a valid journal chain', async () => {
    const seed = Date.now() % 100_000;
    const rand = random(seed);
    const events = groundTruth(rand);
    corral = new CorralProcess({
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      CORRAL_TOKEN_KEY: TOKEN_KEY,
      CORRAL_CHAIN_KEY: CHAIN_KEY,
      CORRAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'corral-crash-')),
      LOG_LEVEL: 'warn',
      // Messages a killed corral took but never acked come back after this, not after 30 s.
      NATS_ACK_WAIT_MS: '4000',
    });
    await corral.start();

    // Three kill points at random, one in each third of the stream.
    const killAt = [0, 1, 2].map((third) => Math.floor(((third + 0.2 + rand() * 0.6) / 3) * TOTAL));
    const js = jetstream(nats.nc);
    const subject = nats.subjects.in('canonical');
    const kills: Array<number | string | null> = [];
    for (let i = 0; i < TOTAL; i += 250) {
      // A loaded machine (CI shares two cores with PostgreSQL and NATS) can take more than the default 5 s to ack 250 publishes at once; the test is about redelivery, not publish latency.
      await Promise.all(events.slice(i, i + 250).map((e) => js.publish(subject, canonicalEvent(e), { timeout: 30_000 })));
      if (killAt.some((k) => k >= i && k < i + 250)) {
        // Kill while corral holds messages it has not acked (taken, in a batch, perhaps committed):
        // their redelivery after the restart is what this test is about. corral works through 250
        // events in a few tens of milliseconds, so waiting first could leave nothing in flight.
        await inFlight(nats);
        kills.push(await corral.stop('SIGKILL'));
        await corral.start();
      } else {
        // Publishing in steps spreads the stream over the run, so the kills land among batches.
        await new Promise((r) => setTimeout(r, 40));
      }
    }
    expect(kills).toEqual(['SIGKILL', 'SIGKILL', 'SIGKILL']);

    // Done when nothing is left to deliver and nothing awaits an ack.
    await eventually(
      () => nats.ingestConsumer(),
      (c) => c.num_pending === 0 && c.num_ack_pending === 0,
      40_000,
    );
    // The kills caught messages taken but not acked, so the redelivery path was exercised: every
    // delivery bumps the consumer sequence, so deliveries beyond the stream's messages are redeliveries.
    const consumer = await nats.ingestConsumer();
    expect(consumer.delivered.stream_seq).toBe(TOTAL);
    expect(consumer.delivered.consumer_seq).toBeGreaterThan(TOTAL);
    // Everything is acked, so how corral stops no longer matters here (test/shutdown.test.ts is about SIGTERM).
    await corral.stop('SIGKILL');

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
    const published = new Map<string, number>();
    for (const e of events) published.set(e.system, (published.get(e.system) ?? 0) + 1);

    const context = `seed ${seed}, kills after ${killAt.join(', ')} events`;
    expect({ context, systems: counts.length }).toEqual({ context, systems: SIGNATURES });
    const wrong = counts.filter(
      (row) =>
        row.incidents !== 1 || row.children !== DISTINCT || row.child_count !== DISTINCT || row.children + row.repeats !== published.get(row.system),
    );
    // Each row: one incident, DISTINCT children, and children + repeats = events published for it.
    expect({ context, wrong }).toEqual({ context, wrong: [] });
    expect(counts.reduce((sum, row) => sum + row.children + row.repeats, 0)).toBe(TOTAL);

    const signatures = await withClient(db.url, async (c) => Number((await c.query<{ n: string }>(`SELECT count(DISTINCT signature) AS n FROM journal`)).rows[0]?.n));
    expect(signatures).toBe(SIGNATURES);
    // The same verifier as GET /v1/audit/verify (test/audit-chain.test.ts shows it catching an edited row).
    const dataSource = createDataSource(db.url, { poolSize: 1 });
    await dataSource.initialize();
    try {
      const report = await verifyChains(dataSource, { keys: TEST_CHAIN_KEYS, checkpointFile: join(tmpdir(), 'no-checkpoint-here') });
      expect(report.journal).toEqual(expect.objectContaining({ chains: SIGNATURES, brokenChains: 0, firstBroken: null }));
    } finally {
      await dataSource.destroy();
    }
  }, 120_000);
});

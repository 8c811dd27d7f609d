import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { CorralProcess } from './support/corral-process.js';
import { apiFetch, childIdOf, createTestDatabase, eventually, startCorral, TestNats, TOKEN_KEY, withClient, type RunningCorral, type TestDatabase } from './support/harness.js';

const TOTAL = 6_000;
const SIGTERM_AFTER = 2_500;

function canonicalEvent(n: number): string {
  return JSON.stringify({
    id: `term-${n}`,
    schemaVersion: '1',
    kind: 'alert',
    source: { type: 'canonical', system: 'term-generator' },
    occurredAt: '2026-11-24T07:00:00.000Z',
    status: 'firing',
    severity: 'medium',
    system: `term-sys-${n % 50}`,
    facility: 'overlake',
    symptom: 'lab interface timeouts',
    errorSignature: 'TIMEOUT',
    patientImpact: false,
  });
}


describe('graceful stop: SIGTERM while JetStream events stream in', () => {
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

  it('exits 0 having acked everything it took, so nothing is redelivered or processed twice after a restart', async () => {
    corral = new CorralProcess({
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      CORRAL_TOKEN_KEY: TOKEN_KEY,
      CORRAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'corral-term-')),
      LOG_LEVEL: 'warn',
      // A message taken and left unacked would come back after 4 s and show up as redelivered.
      NATS_ACK_WAIT_MS: '4000',
    });
    await corral.start();
    const js = jetstream(nats.nc);
    const subject = nats.subjects.in('canonical');

    let stopped: Promise<number | string | null> | undefined;
    for (let i = 0; i < TOTAL; i += 250) {
      await Promise.all(Array.from({ length: 250 }, (_, k) => js.publish(subject, canonicalEvent(i + k))));
      await new Promise((r) => setTimeout(r, 30));
      // The stop lands mid-stream: publishing goes on while corral drains and after it is gone.
      if (i + 250 >= SIGTERM_AFTER && !stopped) stopped = corral.stop('SIGTERM');
    }
    expect(await stopped).toBe(0);

    // Wait past the ack wait: anything the stopped corral took without acking would be redelivered by now.
    await new Promise((r) => setTimeout(r, 5_000));
    // Everything the stopped corral took was acked: nothing awaits an ack, nothing waits for redelivery.
    const afterStop = await nats.ingestConsumer();
    const takenBeforeStop = afterStop.delivered.stream_seq;
    expect(takenBeforeStop).toBeGreaterThan(0);
    expect({ ackPending: afterStop.num_ack_pending, pending: afterStop.num_pending }).toEqual({ ackPending: 0, pending: TOTAL - takenBeforeStop });

    await corral.start();
    const drained = await eventually(() => nats.ingestConsumer(), (c) => c.num_pending === 0 && c.num_ack_pending === 0, 40_000);
    // Each delivery, first or again, bumps the consumer sequence: equal to the stream's means none was redelivered.
    expect({ streamSeq: drained.delivered.stream_seq, deliveries: drained.delivered.consumer_seq }).toEqual({ streamSeq: TOTAL, deliveries: TOTAL });
    expect(await corral.stop('SIGTERM')).toBe(0);

    // Every event exactly once: all ids distinct, so TOTAL children and not one repeat.
    const kept = await withClient(db.url, async (c) =>
      (await c.query<{ children: number; repeats: number }>(`SELECT count(*)::int AS children, coalesce(sum(repeats), 0)::int AS repeats FROM incident_child`)).rows[0],
    );
    expect(kept).toEqual({ children: TOTAL, repeats: 0 });
  }, 90_000);
});

describe('graceful stop while HTTP senders keep posting', () => {
  const suite: { db?: TestDatabase; nats?: TestNats; corral?: RunningCorral } = {};

  beforeAll(async () => {
    suite.db = await createTestDatabase();
    suite.nats = await TestNats.open();
    suite.corral = await startCorral({ DATABASE_URL: suite.db.url, NATS_URL: suite.nats.url, NATS_NAMESPACE: suite.nats.namespace });
  });
  afterAll(async () => {
    await suite.nats?.close();
    await suite.db?.drop();
  });

  it('stops taking requests at once, answers the ones it took, and finishes the stop while they still post', async () => {
    const { db, corral } = suite as Required<typeof suite>;
    let sending = true;
    const answered: Record<string, number> = {};
    const accepted: string[] = [];
    /** When each request that was answered 202 had been sent. */
    const acceptedSentAt: number[] = [];
    const sent: string[] = [];
    // Many senders in a closed loop, for up to 20 s (longer than the stop may take): enough that
    // a request is always waiting for the next batch, as during a storm.
    const senders = Array.from({ length: 64 }, async (_, s) => {
      const until = Date.now() + 20_000;
      for (let n = 0; sending && Date.now() < until; n++) {
        const id = `http-term-${s}-${n}`;
        sent.push(id);
        const body = JSON.stringify({ ...(JSON.parse(canonicalEvent(n)) as object), id });
        const sentAt = Date.now();
        const response = await apiFetch(`${corral.baseUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).catch(() => undefined);
        const code = response ? String(response.status) : 'refused';
        answered[code] = (answered[code] ?? 0) + 1;
        if (response?.status === 202) {
          accepted.push(id);
          acceptedSentAt.push(sentAt);
        }
        await response?.arrayBuffer().catch(() => undefined);
        if (!response) await new Promise((r) => setTimeout(r, 20));
      }
    });
    await eventually(() => Promise.resolve(accepted.length), (n) => n >= 200);

    const closing = Date.now();
    await corral.close();
    const stopSeconds = (Date.now() - closing) / 1000;
    sending = false;
    await Promise.all(senders);

    // Nothing sent once the stop had begun was taken. Before the gate, such requests were taken and
    // drained for as long as they kept a batch waiting (7 s here; for ever above the rate corral keeps up with).
    expect(acceptedSentAt.filter((at) => at > closing + 100)).toEqual([]);
    expect(stopSeconds).toBeLessThan(15);
    // Nothing but 202 (taken and committed), 503 (refused while stopping) or a refused connection.
    expect(Object.keys(answered).filter((code) => !['202', '503', 'refused'].includes(code))).toEqual([]);
    // Every request answered 202 is committed.
    // corral keeps a keyed token of each id (README, privacy table): look the sent ones up by theirs.
    const kept = await withClient(db.url, async (c) =>
      (await c.query<{ id: string }>(`SELECT id FROM incident_child WHERE id = ANY($1)`, [sent.map(childIdOf)])).rows.map((r) => r.id));
    expect(new Set(kept)).toEqual(new Set(accepted.map(childIdOf)));
  }, 60_000);
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { CorralProcess } from './support/corral-process.js';
import { createTestDatabase, eventually, TestNats, TOKEN_KEY, withClient, type TestDatabase } from './support/harness.js';

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

import { jetstream } from '@nats-io/jetstream';
import { PgActorStore } from '../src/modules/persistence/pg-actor-store.js';
import { canonical, childIdOf, createTestDatabase, eventually, inboxCorrelated, startCorral, TestNats, useMigratedDatabase, withClient, type RunningCorral, type TestDatabase } from './support/harness.js';

const encoder = new TextEncoder();

/**
 * A CORRAL_IN stream lost with NATS's data directory (or recreated by an operator) starts its
 * sequences at 1 again, while Postgres keeps the receipts of the old stream's messages for days.
 * A receipt of `<stream>:<seq>` alone made the new message 1 look like the old one: its commit was
 * refused as a duplicate, and its redelivery was acked without effects, so the event was lost.
 */
describe('receipts across a recreated inbound stream', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let corral: RunningCorral | undefined;

  const start = () => startCorral({ DATABASE_URL: db.url, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace, NATS_RETRY_DELAY_MS: '200' });
  const publish = (event: Record<string, unknown>) => jetstream(nats.nc).publish(nats.subjects.in('canonical'), encoder.encode(JSON.stringify(event)));
  const settled = async () => {
    const info = await eventually(() => nats.ingestConsumer(), (i) => i.num_pending === 0 && i.num_ack_pending === 0);
    await inboxCorrelated(db.url);
    return info;
  };
  const children = (id: string) => withClient(db.url, async (c) => (await c.query(`SELECT 1 FROM incident_child WHERE id = $1`, [childIdOf(id)])).rowCount);

  beforeAll(async () => {
    db = await createTestDatabase();
    nats = await TestNats.open();
    corral = await start();
  });
  afterAll(async () => {
    await corral?.close();
    await nats?.close();
    await db?.drop();
  });

  it('applies the new stream’s first message, whose sequence an old, still-remembered receipt had', async () => {
    expect((await publish(canonical({ id: 'before-recreation', system: 'old-stream' }))).seq).toBe(1);
    await settled();
    expect(await children('before-recreation')).toBe(1);

    await corral?.close();
    corral = undefined;
    await nats.jsm.streams.delete(nats.subjects.inStream);
    corral = await start();

    // The premise: the new stream numbers from 1 again.
    expect((await publish(canonical({ id: 'after-recreation', system: 'new-stream' }))).seq).toBe(1);
    const info = await settled();
    expect(await children('after-recreation')).toBe(1);
    // Taken and acked at its first delivery. With the inbox no receipt is kept at all: a redelivery
    // meets its events' dedup keys, which do not depend on stream sequences.
    expect(info.delivered.consumer_seq).toBe(1);
    expect(await withClient(db.url, async (c) => (await c.query(`SELECT 1 FROM processed_message`)).rowCount)).toBe(0);
  });
});

/**
 * The version before creation times wrote `<stream>:<seq>`. A message it committed whose ack was
 * lost in the upgrade comes back under `<stream>@<created>:<seq>` and must still be found; a receipt
 * of that form committed before the stream's creation named a message of a deleted stream.
 */
describe('receipts of the earlier form (<stream>:<seq>)', () => {
  const suite = useMigratedDatabase();
  const created = Date.parse('2026-03-01T10:00:00.000Z');
  const committedAt = (receipt: string, offsetMs: number) =>
    suite.dataSource.query(`INSERT INTO processed_message (receipt, at) VALUES ($1, $2)`, [receipt, new Date(created + offsetMs)]);

  it('counts one committed since the stream was created, and not one committed before', async () => {
    await committedAt('CORRAL_IN:5', 1_000);
    await committedAt('CORRAL_IN:6', -1_000);
    await committedAt('CORRAL_IN:7#0', 1_000);
    await committedAt(`CORRAL_IN@${created}:8`, 0);
    const store = new PgActorStore(suite.dataSource);

    const asked = [5, 6, '7#0', '7#1', 8].map((seq) => `CORRAL_IN@${created}:${seq}`);
    expect((await store.committedOf(asked)).sort()).toEqual([`CORRAL_IN@${created}:5`, `CORRAL_IN@${created}:7#0`, `CORRAL_IN@${created}:8`]);
    await expect(store.committed(`CORRAL_IN@${created}:6`)).resolves.toBe(false);
    await expect(store.committed(`CORRAL_IN@${created}:5`)).resolves.toBe(true);
    // Receipts of no stream (tests, the in-process bus) are looked up as they are.
    await committedAt('in:7#0', 0);
    await expect(store.committedOf(['in:7#0', 'in:8#0'])).resolves.toEqual(['in:7#0']);
  });
});

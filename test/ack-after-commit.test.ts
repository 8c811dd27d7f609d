import { jetstream } from '@nats-io/jetstream';
import { jest } from '@jest/globals';
import { IngestService } from '../src/modules/ingest/ingest.service.js';
import { canonical, childIdOf, eventually, inboxCorrelated, useCorralSuite, withClient } from './support/harness.js';

const encoder = new TextEncoder();

describe('ack only after COMMIT', () => {
  // A real database failure, once: the first transaction that writes an incident is aborted.
  // nextval() is not transactional, so the rollback cannot re-arm the trap.
  const suite = useCorralSuite({ NATS_RETRY_DELAY_MS: '1500' }, (db) =>
    withClient(db.url, async (c) => {
      await c.query(`CREATE SEQUENCE fault_seq`);
      await c.query(`
        CREATE FUNCTION fail_first_write() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF nextval('fault_seq') = 1 THEN RAISE EXCEPTION 'forced failure for the ack-after-commit test'; END IF;
          RETURN NEW;
        END $$`);
      await c.query(`CREATE TRIGGER fault BEFORE INSERT ON incident FOR EACH ROW EXECUTE FUNCTION fail_first_write()`);
    }),
  );

  const count = (sql: string) => withClient(suite.db.url, async (c) => Number((await c.query<{ n: string }>(sql)).rows[0]?.n));

  it('acks the message once durable in the inbox, and after a failed commit correlates it exactly once, from the inbox', async () => {
    await jetstream(suite.nats.nc).publish(suite.nats.subjects.in('canonical'), encoder.encode(JSON.stringify(canonical({ id: 'once', system: 'pyxis' }))));

    // The failed attempt is the correlator's: the message was acked when its event was durable.
    await eventually(() => count(`SELECT last_value AS n FROM fault_seq`), (n) => n >= 1);
    const settled = await eventually(() => suite.nats.ingestConsumer(), (info) => info.num_ack_pending === 0 && info.num_pending === 0);
    expect(settled.delivered.consumer_seq).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM inbox`)).toBe(1);

    // The retry from the committed cursor: committed once.
    await inboxCorrelated(suite.db.url);
    expect(await count(`SELECT count(*) AS n FROM incident WHERE system = 'pyxis'`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM incident_child WHERE id = '${childIdOf('once')}' AND repeats = 0`)).toBe(1);
    // Exactly once: the journal tells the story once, not twice.
    const kinds = await withClient(suite.db.url, async (c) => (await c.query<{ kind: string }>(`SELECT kind FROM journal ORDER BY seq`)).rows.map((r) => r.kind));
    expect(kinds).toEqual(['incident.opened', 'incident.routed', 'child.attached']);
  });
});

describe('a fault of corral’s own while handling a message', () => {
  const suite = useCorralSuite({ NATS_RETRY_DELAY_MS: '500' });

  it('is logged and the message redelivered, not left to its ack wait or thrown away', async () => {
    // A bug rather than bad input: parsing throws once (bad input would be dead-lettered instead).
    const ingest = suite.corral.app.get(IngestService);
    const parse = ingest.parse.bind(ingest);
    let thrown = 0;
    jest.spyOn(ingest, 'parse').mockImplementation((raw, correlationId) => {
      if (thrown++ === 0) throw new Error('injected fault');
      return parse(raw, correlationId);
    });
    await jetstream(suite.nats.nc).publish(suite.nats.subjects.in('canonical'), encoder.encode(JSON.stringify(canonical({ id: 'after-fault', system: 'omnicell' }))));

    await eventually(() => suite.nats.ingestConsumer(), (info) => info.num_ack_pending === 0 && info.num_pending === 0 && info.delivered.consumer_seq === 2);
    expect(thrown).toBe(2);
    await inboxCorrelated(suite.db.url);
    expect(await withClient(suite.db.url, async (c) => (await c.query(`SELECT 1 FROM incident_child WHERE id = '${childIdOf('after-fault')}'`)).rowCount)).toBe(1);
  });
});

import 'reflect-metadata';
import type { ActorChange } from '../src/actors/actor-store.js';
import { FencedError, type Ownership } from '../src/actors/ownership.js';
import { Simulation } from '../src/actors/simulation.js';
import { anEvent, at, testRules } from '../src/correlation/test-events.js';
import { DuplicateDeliveryError } from '../src/modules/persistence/commit-errors.js';
import { PgActorStore } from '../src/modules/persistence/pg-actor-store.js';
import { changeFromSimulation } from './support/actor-changes.js';
import { useMigratedDatabase } from './support/harness.js';

/**
 * The batch commit is one SQL statement with its checks inside (PgActorStore.commit): these
 * cases make each check fail on a real Postgres and look for the batch's rows afterwards.
 */
describe('batch commit (one statement)', () => {
  const suite = useMigratedDatabase();

  /** One actor's first turn for a fresh system, as the batch executor would hand it over. */
  async function changeFor(system: string): Promise<ActorChange> {
    const sim = new Simulation(testRules());
    await sim.event(anEvent({ id: `${system}-1`, system }), at(0));
    await sim.tick(at(5));
    return changeFromSimulation(sim);
  }

  const count = async (sql: string, params: unknown[] = []) => Number((await suite.dataSource.query<Array<{ n: string }>>(sql, params))[0]?.n);

  it('writes every table of the batch, with one delivery row per destination', async () => {
    const store = new PgActorStore(suite.dataSource, () => ['nats', 'webhook']);
    const change = await changeFor('commit-ok');
    expect(change.tickets.length).toBeGreaterThan(0);
    await store.commit([change], ['receipt-ok']);
    const sig = [change.snapshot.signature];
    expect(await count(`SELECT count(*) AS n FROM journal WHERE signature = $1`, sig)).toBe(change.journal.length);
    expect(await count(`SELECT count(*) AS n FROM actor_snapshot WHERE signature = $1`, sig)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM incident WHERE signature = $1`, sig)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM incident_child c JOIN incident i ON i.id = c.incident_id WHERE i.signature = $1`, sig)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM outbox_delivery d JOIN outbox o ON o.id = d.outbox_id WHERE o.incident_id = $1`, [change.tickets[0]?.incident.id])).toBe(
      2 * change.tickets.length,
    );
    expect(await store.committed('receipt-ok')).toBe(true);
  });

  it('refuses a batch carrying a receipt that already committed, and keeps none of it', async () => {
    const store = new PgActorStore(suite.dataSource);
    await store.commit([await changeFor('first-delivery')], ['receipt-dup']);
    const second = await changeFor('second-delivery');
    await expect(store.commit([second], ['receipt-new', 'receipt-dup'])).rejects.toThrow(DuplicateDeliveryError);
    expect(await count(`SELECT count(*) AS n FROM journal WHERE signature = $1`, [second.snapshot.signature])).toBe(0);
    expect(await store.committed('receipt-new')).toBe(false);
  });

  it('refuses a batch whose lease was taken over (fencing), names the partition, and keeps none of it', async () => {
    await suite.dataSource.query(`INSERT INTO partition_lease (partition, owner, epoch, expires_at) VALUES (7, 'me', 3, now() + interval '1 minute')`);
    const ownership: Ownership = {
      isLocal: () => true,
      fenceFor: () => ({ owner: 'me', leases: [{ partition: 7, epoch: 3 }] }),
      hashOf: () => 7,
      addressOf: () => ({ partition: 7, token: 't' }),
    };
    const store = new PgActorStore(suite.dataSource, () => ['nats'], ownership);
    const held = await changeFor('fenced-held');
    await store.commit([held]);
    expect(await count(`SELECT count(*) AS n FROM journal WHERE signature = $1`, [held.snapshot.signature])).toBe(held.journal.length);

    await suite.dataSource.query(`UPDATE partition_lease SET owner = 'other', epoch = 4 WHERE partition = 7`);
    const lost = await changeFor('fenced-lost');
    const failure = store.commit([lost], ['receipt-fenced']);
    await expect(failure).rejects.toThrow(FencedError);
    await expect(failure).rejects.toThrow(/7@3/);
    expect(await count(`SELECT count(*) AS n FROM journal WHERE signature = $1`, [lost.snapshot.signature])).toBe(0);
    expect(await store.committed('receipt-fenced')).toBe(false);
  });

  it('keeps next_due_at a lower bound of the next timer, moved only earlier or on from a time passed, and updated_at as first written (HOT updates)', async () => {
    const store = new PgActorStore(suite.dataSource);
    const first = await changeFor('timer-bound');
    const signature = first.snapshot.signature;
    const minute = (n: number) => new Date(at(100).getTime() + n * 60_000);
    const read = async () => (await suite.dataSource.query<Array<{ due: Date | null; updated: Date }>>(`SELECT next_due_at AS due, updated_at AS updated FROM actor_snapshot WHERE signature = $1`, [signature]))[0];
    // Later commits carry only the snapshot: the journal rows and children are in already.
    const again = (due: Date | null, now: Date) =>
      store.commitStaged(store.stage([{ ...first, journal: [], touchedChildren: [], tickets: [], nextDueAt: due?.toISOString() ?? null }], [], [], undefined, now));

    await store.commitStaged(store.stage([{ ...first, nextDueAt: minute(10).toISOString() }], [], [], undefined, minute(0)));
    const written = await read();
    expect(written?.due).toEqual(minute(10));

    await again(minute(20), minute(1));
    expect((await read())?.due).toEqual(minute(10)); // later: the stored time stays, one tick will find nothing due
    await again(minute(5), minute(2));
    expect((await read())?.due).toEqual(minute(5)); // earlier: stored at once
    await again(minute(30), minute(6));
    expect((await read())?.due).toEqual(minute(30)); // the stored time has passed: the actor's own is stored
    await again(null, minute(7));
    expect((await read())?.due).toEqual(minute(30)); // no timer left: a tick at 30 finds nothing and stores none
    await again(null, minute(31));
    expect((await read())?.due).toBeNull();
    // One instance: nothing reads updated_at, so an update leaves it (and its index) alone.
    expect((await read())?.updated).toEqual(written?.updated);
  });
});

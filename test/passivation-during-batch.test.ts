import { ActorRegistry } from '../src/actors/actor-registry.js';
import { BatchExecutor, type Input } from '../src/actors/batch-executor.js';
import { ManualClock } from '../src/actors/clock.js';
import { Correlator } from '../src/actors/correlator.js';
import { anEvent, at, testRules } from '../src/correlation/test-events.js';
import { PgActorStore } from '../src/modules/persistence/pg-actor-store.js';
import { TEST_CHAIN_KEYS, useMigratedDatabase } from './support/harness.js';

const SIGNATURES = 300;
const eventsFor = (round: number): Input[] =>
  Array.from({ length: SIGNATURES }, (_, n) => ({ type: 'event' as const, event: anEvent({ id: `a${n}-${round}`, system: `crowded-${n}`, occurredAt: at(round).toISOString() }) }));

/**
 * More new signatures in one batch than MAX_LIVE_ACTORS: each hydration beyond the cap sweeps the
 * least recently used out. An actor the batch had already taken up was not yet marked in flight,
 * so it could be swept out while the batch went on with it; the next batch, prepared while this
 * one committed, read it back from the database as it was before, and its journal rows then
 * collided with this batch's (or, without journal rows, its snapshot went back in time).
 */
describe('actors crowded out while a batch is being prepared', () => {
  const suite = useMigratedDatabase();

  it('keeps every actor a batch has taken up in memory until the batch is settled, so the next batch builds on it', async () => {
    const store = new PgActorStore(suite.dataSource);
    const registry = new ActorRegistry(store, { maxLive: 100, idleMs: 600_000 });
    const executor = new BatchExecutor(registry, store, new Correlator(testRules()), new ManualClock(at(0)), TEST_CHAIN_KEYS);

    const first = await executor.prepare(eventsFor(0));
    const detached = [...first.pending].filter(([signature, p]) => registry.peek(signature) !== p.actor).length;
    expect(detached).toBe(0);

    // Pipelined as the Batcher does: the next batch is prepared before the first has committed.
    const second = await executor.prepare(eventsFor(1));
    await executor.commit(first);
    await expect(executor.commit(second)).resolves.toHaveLength(SIGNATURES);
    const children = await suite.dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM incident_child WHERE incident_id IN (SELECT id FROM incident WHERE system LIKE 'crowded-%')`);
    expect(children[0]?.n).toBe(2 * SIGNATURES);
    // Settled, the registry goes back under its cap at the next sweep.
    registry.sweep();
    expect(registry.size).toBeLessThanOrEqual(100);
  });
});

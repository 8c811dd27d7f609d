import 'reflect-metadata';
import { ActorRegistry } from '../src/actors/actor-registry.js';
import type { ActorChange, ActorSnapshot } from '../src/actors/actor-store.js';
import { GENESIS_HASH } from '../src/actors/journal-chain.js';
import { childrenChangedSince, childrenOf } from '../src/correlation/incident.js';
import { Simulation } from '../src/actors/simulation.js';
import { anEvent, at, testRules } from '../src/correlation/test-events.js';
import { PgActorStore } from '../src/modules/persistence/pg-actor-store.js';
import { changeFromSimulation } from './support/actor-changes.js';
import { useMigratedDatabase } from './support/harness.js';

/**
 * A batch hydrates its new actors with one read (ActorRegistry.getMany → PgActorStore.loadMany)
 * instead of one query per signature: during a storm of new alerts those queries queued behind
 * each other for the pool and held up every batch.
 */
describe('hydrating many actors at once', () => {
  const suite = useMigratedDatabase();

  /** A committed incident with `children` children on a fresh system. */
  async function commitIncident(store: PgActorStore, system: string, children: number): Promise<ActorChange> {
    const sim = new Simulation(testRules());
    for (let i = 0; i < children; i++) await sim.event(anEvent({ id: `${system}-${i}`, system }), at(i));
    const change = changeFromSimulation(sim);
    await store.commit([change]);
    return change;
  }

  /** The real store, counting its reads. */
  function countingStore(): { store: PgActorStore; reads: string[][] } {
    const store = new PgActorStore(suite.dataSource);
    const reads: string[][] = [];
    const loadMany = store.loadMany.bind(store);
    store.loadMany = (signatures: string[]) => {
      reads.push([...signatures]);
      return loadMany(signatures);
    };
    return { store, reads };
  }

  it('loadMany returns each committed actor with its children, and leaves unknown signatures out', async () => {
    const store = new PgActorStore(suite.dataSource);
    const a = await commitIncident(store, 'many-a', 3);
    const b = await commitIncident(store, 'many-b', 1);
    const found = await store.loadMany([a.snapshot.signature, b.snapshot.signature, 'never|seen|here']);
    expect([...found.keys()].sort()).toEqual([a.snapshot.signature, b.snapshot.signature].sort());
    const loadedA = found.get(a.snapshot.signature) as ActorSnapshot;
    expect(loadedA.seq).toBe(a.snapshot.seq);
    expect(loadedA.lastHash).toBe(a.snapshot.lastHash);
    if (loadedA.state.status === 'none' || a.snapshot.state.status === 'none') throw new Error('no incident');
    expect(childrenOf(loadedA.state.incident).map((c) => c.key).sort()).toEqual(childrenOf(a.snapshot.state.incident).map((c) => c.key).sort());
    // The single-signature read is the same read.
    expect(await store.load(a.snapshot.signature)).toEqual(loadedA);
    expect(await store.load('never|seen|here')).toBeNull();
  });

  it('brings back what the helpdesk has not been told yet: the children and the incident keep their revisions', async () => {
    const store = new PgActorStore(suite.dataSource);
    const sim = new Simulation(testRules());
    await sim.event(anEvent({ id: 'told-0', system: 'held' }), at(0));
    await sim.tick(at(1)); // groupWait over: the ticket opens with told-0
    for (const id of ['held-1', 'held-2']) await sim.event(anEvent({ id, system: 'held' }), at(2)); // held by updateInterval
    const change = changeFromSimulation(sim);
    await store.commit([change]);

    const loaded = await store.load(change.snapshot.signature);

    if (loaded?.state.status !== 'open' || change.snapshot.state.status !== 'open') throw new Error('no open incident');
    const { incident } = loaded.state;
    expect(incident.told).toBeLessThan(incident.revision ?? 0);
    expect(childrenChangedSince(incident, incident.told ?? 0).map((c) => c.id)).toEqual(['held-1', 'held-2']);
    expect(childrenOf(incident)).toEqual(childrenOf(change.snapshot.state.incident));
  });

  it('getMany makes one read for every actor not yet live, and none for those already live', async () => {
    const { store, reads } = countingStore();
    const committed = await commitIncident(store, 'many-c', 2);
    const registry = new ActorRegistry(store);
    await registry.get(committed.snapshot.signature);
    reads.length = 0;

    await registry.getMany([committed.snapshot.signature, 'new|one|x', 'new|two|x']);
    expect(reads).toEqual([['new|one|x', 'new|two|x']]);
    expect(registry.peek('new|one|x')?.seq).toBe(0);
    expect(registry.peek('new|one|x')?.lastHash).toBe(GENESIS_HASH);
    expect(registry.peek(committed.snapshot.signature)?.seq).toBe(committed.snapshot.seq);

    // Now live: asking again reads nothing.
    await registry.getMany(['new|one|x', 'new|two|x']);
    expect(reads).toHaveLength(1);
  });

  it('a get() while getMany is reading shares that read instead of making its own', async () => {
    const { store, reads } = countingStore();
    const committed = await commitIncident(store, 'many-d', 1);
    const registry = new ActorRegistry(store);
    const many = registry.getMany([committed.snapshot.signature, 'new|three|x']);
    const single = registry.get(committed.snapshot.signature);
    const [, actor] = await Promise.all([many, single]);
    expect(actor).toBe(registry.peek(committed.snapshot.signature));
    expect(actor.seq).toBe(committed.snapshot.seq);
    expect(reads).toEqual([[committed.snapshot.signature, 'new|three|x']]);
    expect(registry.hydrations).toBe(2);
  });
});

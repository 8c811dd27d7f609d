import 'reflect-metadata';
import { ActorRegistry } from '../src/actors/actor-registry.js';
import { BatchExecutor } from '../src/actors/batch-executor.js';
import { ManualClock } from '../src/actors/clock.js';
import type { ResolveInput } from '../src/correlation/inputs.js';
import { Correlator } from '../src/actors/correlator.js';
import { anEvent, at, testRules } from '../src/correlation/test-events.js';
import { PgActorStore } from '../src/modules/persistence/pg-actor-store.js';
import { TEST_CHAIN_KEYS, useMigratedDatabase } from './support/harness.js';

/**
 * A resolve that names only its child (PagerDuty) is resolved by the runtime as it runs: the
 * child's holder is looked for in the batch itself, then on the actors of batches still
 * committing, then in the database (ActorStore.holdersOf).
 */
describe('runtime: a resolve by dedup key finds its child wherever it is', () => {
  const suite = useMigratedDatabase();
  const source = { type: 'pagerduty' as const, system: 'pd-runtime' };
  const trigger = (id: string) => ({ type: 'event' as const, event: anEvent({ id, source, system: `sys-${id}`, severity: 'critical', facility: 'overlake' }) });
  const resolve = (id: string): ResolveInput => ({ type: 'resolve', source, id, occurredAt: at(1).toISOString(), receivedAt: at(1).toISOString(), correlationId: 'c-r' });
  const executor = () => {
    const store = new PgActorStore(suite.dataSource);
    return new BatchExecutor(new ActorRegistry(store), store, new Correlator(testRules()), new ManualClock(at(2)), TEST_CHAIN_KEYS);
  };
  const childStatus = async (id: string) =>
    (await suite.dataSource.query<Array<{ status: string; severity: string; facility: string }>>(`SELECT status, severity, facility FROM incident_child WHERE child_key = $1`, [`${source.system}|${id}`]))[0];

  it('in the same batch as its trigger', async () => {
    const [opened, closed] = await executor().run([trigger('same-batch'), resolve('same-batch')]);
    expect(closed).toMatchObject({ incidentId: opened?.incidentId, signature: opened?.signature });
    expect(await childStatus('same-batch')).toEqual({ status: 'resolved', severity: 'critical', facility: 'overlake' });
  });

  it('in the batch after its trigger\'s, prepared while that one is still uncommitted (speculative)', async () => {
    const runtime = executor();
    const first = await runtime.prepare([trigger('speculative')]);
    const second = await runtime.prepare([resolve('speculative')]);
    expect(second.outcomes[0]).toMatchObject({ incidentId: first.outcomes[0]?.incidentId });
    await runtime.commit(first);
    await runtime.commit(second);
    expect((await childStatus('speculative'))?.status).toBe('resolved');
  });

  it('committed long before, by an instance that never had the actor in memory (the database)', async () => {
    const [opened] = await executor().run([trigger('committed')]);
    const [closed] = await executor().run([resolve('committed')]);
    expect(closed).toMatchObject({ incidentId: opened?.incidentId });
    expect((await childStatus('committed'))?.status).toBe('resolved');
  });

  it('nowhere: ignored with a reason, nothing journaled, and the rest of the batch goes on', async () => {
    const journal = async () => Number((await suite.dataSource.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM journal`))[0]?.n);
    const before = await journal();
    expect(await executor().run([resolve('never-seen')])).toEqual([{ incidentId: null, signature: '', duplicate: false, ignored: expect.stringMatching(/no incident holds/) }]);
    expect(await journal()).toBe(before);
    const [ignored, opened] = await executor().run([resolve('never-seen'), trigger('after-unknown')]);
    expect(ignored?.ignored).toEqual(expect.any(String));
    expect(opened?.incidentId).toEqual(expect.any(String));
    expect(await childStatus('never-seen')).toBeUndefined();
  });
});

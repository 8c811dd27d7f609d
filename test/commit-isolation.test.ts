import 'reflect-metadata';
import { jest } from '@jest/globals';
import { ActorRegistry } from '../src/actors/actor-registry.js';
import { BatchExecutor, type Input, type Outcome } from '../src/actors/batch-executor.js';
import { Batcher } from '../src/actors/batcher.js';
import { ManualClock } from '../src/actors/clock.js';
import { Correlator } from '../src/actors/correlator.js';
import { anEvent, at, testRules } from '../src/correlation/test-events.js';
import { PgActorStore } from '../src/modules/persistence/pg-actor-store.js';
import { TEST_CHAIN_KEYS, useMigratedDatabase } from './support/harness.js';

/**
 * One input whose rows PostgreSQL refuses must not fail the others of its batch, nor the batch
 * prepared on top of it. The database is made to refuse, on purpose and for this suite only, any
 * child whose id holds `poison` (a CHECK constraint, SQLSTATE 23514): whatever the boundary lets
 * through or not, such an input always reaches the commit.
 */
describe('a commit refused for one input’s data (runtime)', () => {
  const suite = useMigratedDatabase();
  let store: PgActorStore;
  let correlator: Correlator;

  beforeAll(async () => {
    await suite.dataSource.query(`ALTER TABLE incident_child ADD CONSTRAINT test_refuses_poison CHECK (id NOT LIKE '%poison%')`);
  });

  function runtime(maxSize: number): Batcher {
    store = new PgActorStore(suite.dataSource);
    correlator = new Correlator(testRules());
    return new Batcher(new BatchExecutor(new ActorRegistry(store), store, correlator, new ManualClock(at(0)), TEST_CHAIN_KEYS), { maxSize, maxDelayMs: 20 });
  }

  const event = (system: string, id: string): Input => ({ type: 'event', event: anEvent({ id, system }) });
  const children = async (ids: string[]) =>
    (await suite.dataSource.query<Array<{ id: string }>>(`SELECT id FROM incident_child WHERE id = ANY($1::text[]) ORDER BY id`, [ids])).map((r) => r.id).sort();

  it('sets aside the refused input alone, answers it as quarantined, and commits every other one, with log2(n) rehearsals', async () => {
    const batcher = runtime(64);
    const rehearsals = jest.spyOn(store, 'rehearseStaged');
    // 64 single-input submissions (64 senders), one of them refused, sharing incidents two by two.
    const inputs = Array.from({ length: 64 }, (_, i) => event(`iso-${i % 32}`, i === 41 ? `iso-poison-${i}` : `iso-${i}`));
    const results = await Promise.allSettled(inputs.map((input) => batcher.submit([input])));

    expect(results.map((r) => r.status)).toEqual(inputs.map(() => 'fulfilled'));
    const outcomes = results.map((r) => (r as PromiseFulfilledResult<Outcome[]>).value[0]);
    expect(outcomes[41]?.quarantined?.reason).toBe('unstorable');
    expect(outcomes[41]?.quarantined?.detail).not.toMatch(/constraint|violates|SQLSTATE|poison/i);
    expect(outcomes.filter((o) => o?.quarantined)).toHaveLength(1);
    const clean = inputs.flatMap((input, i) => (i === 41 || input.type !== 'event' ? [] : [input.event.id]));
    expect(await children([...clean, 'iso-poison-41'])).toEqual([...clean].sort());
    // The whole batch once more, then a bisection on its prefixes: not one rehearsal per input.
    expect(rehearsals.mock.calls.length).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(64)));
  });

  it('commits the batch prepared on top of the refused one, and every input of a submission but the refused one', async () => {
    const batcher = runtime(4);
    // Batch 1 fills at once (4 inputs) and commits while batch 2 is prepared on top of it.
    const first = batcher.submit([event('pipe-a', 'pipe-a-1'), event('pipe-a', 'pipe-poison-a'), event('pipe-b', 'pipe-b-1'), event('pipe-a', 'pipe-a-2')]);
    const second = batcher.submit([event('pipe-a', 'pipe-a-3'), event('pipe-c', 'pipe-c-1')]);
    const third = batcher.submit([event('pipe-b', 'pipe-b-2'), event('pipe-d', 'pipe-poison-d')]);
    const [a, b, c] = await Promise.all([first, second, third]);

    expect(a.map((o) => o.quarantined?.reason ?? 'ok')).toEqual(['ok', 'unstorable', 'ok', 'ok']);
    expect(b.map((o) => o.quarantined?.reason ?? 'ok')).toEqual(['ok', 'ok']);
    expect(c.map((o) => o.quarantined?.reason ?? 'ok')).toEqual(['ok', 'unstorable']);
    expect(await children(['pipe-a-1', 'pipe-a-2', 'pipe-a-3', 'pipe-b-1', 'pipe-b-2', 'pipe-c-1', 'pipe-poison-a', 'pipe-poison-d'])).toEqual(
      ['pipe-a-1', 'pipe-a-2', 'pipe-a-3', 'pipe-b-1', 'pipe-b-2', 'pipe-c-1'].sort(),
    );
    // The incident the refused input would have joined holds the others exactly once.
    const [row] = await suite.dataSource.query<Array<{ n: number }>>(`SELECT child_count AS n FROM incident WHERE system = 'pipe-a' AND status = 'open'`);
    expect(row?.n).toBe(3);
  });

  it('sets aside an input whose correlation throws (a fault in a rule or the core) and commits the rest of its batch', async () => {
    const batcher = runtime(10);
    const handle = correlator.handle.bind(correlator);
    jest.spyOn(correlator, 'handle').mockImplementation((input, world, now) => {
      if (input.type === 'event' && input.event.id.startsWith('bug-')) throw new Error('a rule blew up');
      return handle(input, world, now);
    });
    const results = await Promise.all([
      batcher.submit([event('bug-sys', 'bug-1'), event('bug-sys', 'clean-1')]),
      batcher.submit([event('bug-other', 'other-1')]),
    ]);
    expect(results.map((r) => r.map((o) => o.quarantined?.reason ?? 'ok'))).toEqual([['correlation-failed', 'ok'], ['ok']]);
    expect(await children(['bug-1', 'clean-1', 'other-1'])).toEqual(['clean-1', 'other-1']);
  });

  it('keeps today’s behaviour for a failure that is not the data’s: the batch fails whole, its callers retry', async () => {
    const batcher = runtime(10);
    await suite.dataSource.query(`CREATE FUNCTION test_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'down' USING ERRCODE = '57P01'; END $$`);
    await suite.dataSource.query(`CREATE TRIGGER test_down BEFORE INSERT ON incident FOR EACH ROW EXECUTE FUNCTION test_down()`);
    try {
      const results = await Promise.allSettled([batcher.submit([event('down-a', 'down-a-1')]), batcher.submit([event('down-b', 'down-b-1')])]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    } finally {
      await suite.dataSource.query(`DROP TRIGGER test_down ON incident`);
    }
  });
});

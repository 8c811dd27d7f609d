import type { DataSource } from 'typeorm';
import { ActorRegistry } from '../../src/actors/actor-registry.js';
import { BatchExecutor } from '../../src/actors/batch-executor.js';
import { Batcher, type BatcherOptions } from '../../src/actors/batcher.js';
import { ManualClock } from '../../src/actors/clock.js';
import { Correlator } from '../../src/actors/correlator.js';
import { at, testRules } from '../../src/correlation/test-events.js';
import { PgActorStore } from '../../src/modules/persistence/pg-actor-store.js';
import { TEST_CHAIN_KEYS } from './harness.js';

/** One instance's runtime on a test database: the test rules, the clock stopped at at(0), no ownership. */
export function localBatcher(dataSource: DataSource, options: BatcherOptions): Batcher {
  const store = new PgActorStore(dataSource);
  return new Batcher(new BatchExecutor(new ActorRegistry(store), store, new Correlator(testRules()), new ManualClock(at(0)), TEST_CHAIN_KEYS), options);
}

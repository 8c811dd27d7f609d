import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ActorRegistry } from '../../actors/actor-registry.js';
import { BatchExecutor } from '../../actors/batch-executor.js';
import { Batcher } from '../../actors/batcher.js';
import { systemClock, type Clock } from '../../actors/clock.js';
import { CorralConfig } from '../config/corral-config.js';
import { PgActorStore } from '../persistence/pg-actor-store.js';

export const CLOCK = Symbol('Clock');

/** Wires the framework-free actor runtime to Postgres; everything that changes an incident goes through Batcher. */
@Global()
@Module({
  providers: [
    { provide: CLOCK, useValue: systemClock },
    {
      provide: Batcher,
      inject: [DataSource, CorralConfig, CLOCK],
      useFactory: (db: DataSource, config: CorralConfig, clock: Clock) => {
        const store = new PgActorStore(db);
        const executor = new BatchExecutor(new ActorRegistry(store), store, clock);
        return new Batcher(executor, config.batch);
      },
    },
  ],
  exports: [Batcher],
})
export class RuntimeModule {}

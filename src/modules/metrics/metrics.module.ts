import { Global, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ActorRegistry } from '../../actors/actor-registry.js';
import { Batcher } from '../../actors/batcher.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/**
 * Points the scrape-time gauges at the runtime. A separate provider, because the Batcher is built
 * with MetricsService as its observer: MetricsService itself must not depend on the Batcher.
 */
@Injectable()
class RuntimeReadingsBinder implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly registry: ActorRegistry,
    private readonly batcher: Batcher,
    private readonly db: DataSource,
  ) {}

  onModuleInit(): void {
    this.metrics.bindRuntime({
      liveActors: () => this.registry.size,
      mailboxDepth: () => this.batcher.depth,
      hydrations: () => this.registry.hydrations,
      passivations: () => this.registry.passivations,
      deadLetters: async () => {
        const [row] = await this.db.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM dead_letter');
        return row?.n ?? 0;
      },
    });
  }
}

/** GET /metrics. Global, so the runtime (and later the outbox) can take MetricsService as a dependency. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, RuntimeReadingsBinder],
  exports: [MetricsService],
})
export class MetricsModule {}

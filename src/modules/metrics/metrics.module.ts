import { Global, Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { ActorRegistry } from '../../actors/actor-registry.js';
import { Batcher } from '../../actors/batcher.js';
import type { Clock } from '../../actors/clock.js';
import { MESSAGE_BUS, type MessageBus } from '../bus/message-bus.js';
import { CLOCK } from '../runtime/tokens.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsRepository } from './metrics.repository.js';
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
    private readonly repository: MetricsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  onModuleInit(): void {
    this.metrics.bindRuntime({
      liveActors: () => this.registry.size,
      mailboxDepth: () => this.batcher.depth,
      hydrations: () => this.registry.hydrations,
      passivations: () => this.registry.passivations,
      deadLetters: () => this.repository.deadLetters(),
      activeIncidents: () => this.repository.activeIncidents(this.clock.now()),
      ingestLag: () => this.bus.inboundLag?.() ?? Promise.resolve(null),
    });
  }
}

/** GET /metrics. Global, so the runtime (and later the outbox) can take MetricsService as a dependency. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, MetricsRepository, RuntimeReadingsBinder],
  exports: [MetricsService],
})
export class MetricsModule {}

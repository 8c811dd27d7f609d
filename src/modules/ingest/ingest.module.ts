import { Inject, Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { CorralConfig } from '../config/corral-config.js';
import { EnrichmentModule } from '../enrichment/enrichment.module.js';
import { hl7TextParser, suffixJsonParser } from './body-parsers.js';
import { DeadLettersController } from './dead-letters/dead-letters.controller.js';
import { EventsController } from './events.controller.js';
import { IngestService } from './ingest.service.js';
import { NativeIngestController } from './native-ingest.controller.js';
import { NativeIngestService } from './native-ingest.service.js';
import { NatsIntake } from './nats-intake.js';

@Module({
  imports: [EnrichmentModule],
  controllers: [EventsController, NativeIngestController, DeadLettersController],
  providers: [IngestService, NativeIngestService, NatsIntake],
  exports: [IngestService],
})
export class IngestModule implements NestModule {
  constructor(@Inject(CorralConfig) private readonly config: CorralConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(hl7TextParser(this.config.httpBodyLimit)).forRoutes({ path: 'v1/ingest/hl7', method: RequestMethod.POST });
    consumer.apply(suffixJsonParser(this.config.httpBodyLimit)).forRoutes({ path: 'v1/ingest/*path', method: RequestMethod.POST });
  }
}

import { Module } from '@nestjs/common';
import { EnrichmentModule } from '../enrichment/enrichment.module.js';
import { DeadLettersController } from './dead-letters/dead-letters.controller.js';
import { EventsController } from './events.controller.js';
import { IngestService } from './ingest.service.js';
import { IntakePool } from './intake-pool/intake-pool.js';
import { NativeIngestController } from './native-ingest.controller.js';
import { NativeIngestService } from './native-ingest.service.js';
import { NatsIntake } from './nats-intake.js';

// Its routes' body parsers (HL7 text, application/*+json) are registered with the others in http/body-parsers.ts.
@Module({
  imports: [EnrichmentModule],
  controllers: [EventsController, NativeIngestController, DeadLettersController],
  providers: [IngestService, NativeIngestService, NatsIntake, IntakePool],
  exports: [IngestService, NativeIngestService],
})
export class IngestModule {}

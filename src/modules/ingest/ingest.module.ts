import { Module } from '@nestjs/common';
import { EventsController } from './events.controller.js';
import { IngestService } from './ingest.service.js';
import { NatsIntake } from './nats-intake.js';

@Module({ controllers: [EventsController], providers: [IngestService, NatsIntake], exports: [IngestService] })
export class IngestModule {}

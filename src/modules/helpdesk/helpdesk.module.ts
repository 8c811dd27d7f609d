import { Global, Module } from '@nestjs/common';
import { CorralConfig } from '../config/corral-config.js';
import { HelpdeskConnectors } from './connectors/connectors.js';
import { DeliveriesController } from './deliveries.controller.js';
import { DeliveriesRepository } from './deliveries.repository.js';
import { HelpdeskTicketsRepository } from './helpdesk-tickets.repository.js';
import { OutboxRelay } from './outbox-relay.js';
import { OutboxRepository } from './outbox.repository.js';
import { HELPDESK } from './tokens.js';

@Global()
@Module({
  controllers: [DeliveriesController],
  providers: [
    { provide: HELPDESK, inject: [CorralConfig], useFactory: (config: CorralConfig) => config.helpdesk.settings },
    OutboxRelay,
    OutboxRepository,
    DeliveriesRepository,
    HelpdeskTicketsRepository,
    HelpdeskConnectors,
  ],
  exports: [HELPDESK, OutboxRelay, HelpdeskTicketsRepository, HelpdeskConnectors],
})
export class HelpdeskModule {}

import { Module } from '@nestjs/common';
import { HelpdeskCallbackController } from './helpdesk-callback.controller.js';
import { HelpdeskPoller } from './helpdesk-poller.js';
import { HelpdeskStatusSync } from './helpdesk-status-sync.js';
import { IncidentCommandsController } from './incident-commands.controller.js';
import { IncidentCommandsService } from './incident-commands.service.js';
import { CommandJournal } from './command-journal.repository.js';
import { IncidentRepository } from './incident.repository.js';
import { IncidentsController } from './incidents.controller.js';
import { IncidentsService } from './incidents.service.js';
import { NatsCommands } from './nats-commands.js';

@Module({ controllers: [IncidentsController, IncidentCommandsController, HelpdeskCallbackController], providers: [IncidentRepository, IncidentsService, IncidentCommandsService, CommandJournal, NatsCommands, HelpdeskStatusSync, HelpdeskPoller], exports: [IncidentsService] })
export class IncidentsModule {}

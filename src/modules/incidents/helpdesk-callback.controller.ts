import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CurrentPrincipal, actingAs } from '../auth/current-principal.js';
import type { Principal } from '../auth/roles.js';
import { helpdeskOf, type HelpdeskConfig } from '../helpdesk/helpdesk-config.js';
import { HelpdeskTicketsRepository } from '../helpdesk/helpdesk-tickets.repository.js';
import { HELPDESK } from '../helpdesk/tokens.js';
import { ConflictError, NotFoundError } from '../http/domain-errors.js';
import { Checks, Required } from '../http/validation.js';
import { IncidentCommandsService } from './incident-commands.service.js';

/** RT's statuses, as its default lifecycles name them: what an agent set on the ticket. */
const RT_STATUSES = ['new', 'open', 'stalled', 'resolved', 'rejected', 'deleted'] as const;

/** What a helpdesk's own change to a ticket looks like when it calls back (an RT Scrip posts it). */
export class HelpdeskTicketEventDto {
  @ApiProperty({ example: '4127', description: "the helpdesk's id of the ticket (RT's ticket number)" })
  @Checks(Required(), IsString(), IsNotEmpty(), MaxLength(64), Matches(/^[A-Za-z0-9._-]+$/))
  ticket!: string;

  @ApiProperty({ enum: RT_STATUSES, description: 'the status the agent set' })
  @Checks(Required(), IsIn(RT_STATUSES))
  status!: (typeof RT_STATUSES)[number];

  @ApiPropertyOptional({ example: 'kim', description: "the helpdesk account that changed it (RT's user name), recorded as <caller> for rt:<actor>" })
  @Checks(IsOptional(), IsString(), MaxLength(64), Matches(/^[A-Za-z0-9._@-]+$/))
  actor?: string;
}

export class HelpdeskCallbackAnswer {
  @ApiProperty({ format: 'uuid' }) incidentId!: string;
  @ApiProperty({ enum: ['resolved', 'reopened', 'unchanged'] }) outcome!: string;
}

/**
 * A helpdesk's own actions coming back: an agent resolving or reopening the helpdesk's ticket of an
 * incident (RT: a Scrip "On Status Change" posting here) is the same command through the incident's
 * actor, journaled and audited as the caller for the helpdesk account, and marked with its origin
 * so the ticket event it makes is not sent back to that helpdesk. What already holds is unchanged,
 * not a conflict: corral's own resolve comes back this way too, and must end there.
 */
@ApiTags('helpdesk')
@Controller('v1/helpdesks/:name')
export class HelpdeskCallbackController {
  constructor(
    private readonly commands: IncidentCommandsService,
    private readonly tickets: HelpdeskTicketsRepository,
    @Inject(HELPDESK) private readonly helpdesk: HelpdeskConfig,
  ) {}

  @Post('ticket-events')
  @HttpCode(200)
  @ApiOkResponse({ type: HelpdeskCallbackAnswer })
  async ticketEvent(@Param('name') name: string, @Body() body: HelpdeskTicketEventDto, @CurrentPrincipal() caller?: Principal): Promise<HelpdeskCallbackAnswer> {
    const destination = `helpdesk:${name}`;
    const target = helpdeskOf(this.helpdesk, destination);
    if (!target) throw new NotFoundError(`no helpdesk "${name}" in the helpdesk file (CORRAL_HELPDESK_FILE)`);
    const incidentId = await this.tickets.incidentOf(destination, body.ticket);
    if (!incidentId) throw new NotFoundError(`${target.kind} ticket ${body.ticket} is not one corral made`);
    const verb = body.status === 'resolved' || body.status === 'rejected' ? 'resolve' : body.status === 'open' ? 'reopen' : undefined;
    if (!verb) return { incidentId, outcome: 'unchanged' };
    const by = actingAs(caller, body.actor ? `${target.kind}:${body.actor}` : undefined);
    try {
      await this.commands.run(incidentId, () => Promise.resolve({ verb, by, origin: destination }));
    } catch (error) {
      // Already resolved, or not resolved to reopen: what the helpdesk says already holds.
      if (error instanceof ConflictError) return { incidentId, outcome: 'unchanged' };
      throw error;
    }
    return { incidentId, outcome: verb === 'resolve' ? 'resolved' : 'reopened' };
  }
}

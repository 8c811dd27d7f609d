import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CurrentPrincipal, actingAs } from '../auth/current-principal.js';
import type { Principal } from '../auth/roles.js';
import { helpdeskOf, type HelpdeskConfig } from '../helpdesk/helpdesk-config.js';
import { verbForStatus } from '../helpdesk/helpdesk-status.js';
import { HelpdeskTicketsRepository } from '../helpdesk/helpdesk-tickets.repository.js';
import { HELPDESK } from '../helpdesk/tokens.js';
import { NotFoundError } from '../http/domain-errors.js';
import { Checks, Required } from '../http/validation.js';
import { HelpdeskStatusSync } from './helpdesk-status-sync.js';

/** What a helpdesk's own change to a ticket looks like when it calls back (an RT Scrip posts it). */
export class HelpdeskTicketEventDto {
  @ApiProperty({ example: '4127', description: "the helpdesk's id of the ticket: RT's ticket number, ServiceNow's sys_id, Jira's issue key" })
  @Checks(Required(), IsString(), IsNotEmpty(), MaxLength(64), Matches(/^[A-Za-z0-9._-]+$/))
  ticket!: string;

  @ApiProperty({ example: 'resolved', description: "the status the agent set, as the helpdesk names it (RT `resolved`, ServiceNow `6` or `Resolved`, Jira `Done`); one that neither ends nor reopens changes nothing" })
  @Checks(Required(), IsString(), IsNotEmpty(), MaxLength(40), Matches(/^[A-Za-z0-9 _-]+$/))
  status!: string;

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
    private readonly sync: HelpdeskStatusSync,
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
    const outcome = await this.sync.apply(incidentId, destination, verbForStatus(target.kind, body.status), actingAs(caller, body.actor ? `${target.kind}:${body.actor}` : undefined));
    return { incidentId, outcome };
  }
}

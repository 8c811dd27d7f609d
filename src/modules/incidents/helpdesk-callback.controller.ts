import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CurrentPrincipal, actingAs } from '../auth/current-principal.js';
import type { Principal } from '../auth/roles.js';
import { helpdeskOf, type HelpdeskConfig, type HelpdeskKind } from '../helpdesk/helpdesk-config.js';
import { HelpdeskTicketsRepository } from '../helpdesk/helpdesk-tickets.repository.js';
import { HELPDESK } from '../helpdesk/tokens.js';
import { ConflictError, NotFoundError } from '../http/domain-errors.js';
import { Checks, Required } from '../http/validation.js';
import { IncidentCommandsService } from './incident-commands.service.js';

/**
 * What a helpdesk's status means for the incident, by the words each one uses: RT's default
 * lifecycle (`resolved`, `rejected` / `open`), ServiceNow's incident states (6 Resolved, 7 Closed,
 * 8 Canceled / 1 New, 2 In Progress, 3 On Hold; by value or label), Jira Service Management's
 * statuses (Resolved, Done, Closed, Canceled, Declined / Reopened, In Progress, Waiting for support).
 * Any other status (RT's `new` and `stalled`, a custom one) changes nothing.
 */
const ENDS: Record<HelpdeskKind, ReadonlySet<string>> = {
  rt: new Set(['resolved', 'rejected']),
  servicenow: new Set(['6', '7', '8', 'resolved', 'closed', 'canceled', 'cancelled']),
  jsm: new Set(['resolved', 'done', 'closed', 'canceled', 'cancelled', 'declined', 'completed']),
};
const REOPENS: Record<HelpdeskKind, ReadonlySet<string>> = {
  rt: new Set(['open']),
  servicenow: new Set(['1', '2', '3', 'new', 'in progress', 'on hold']),
  jsm: new Set(['reopened', 'open', 'in progress', 'waiting for support', 'work in progress']),
};

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
    const status = body.status.trim().toLowerCase();
    const verb = ENDS[target.kind].has(status) ? 'resolve' : REOPENS[target.kind].has(status) ? 'reopen' : undefined;
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

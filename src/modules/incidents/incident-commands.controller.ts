import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { API_ERROR_REF } from '../http/openapi-schema.js';
import type { FastifyReply } from 'fastify';
import { actingAs, CurrentPrincipal } from '../auth/current-principal.js';
import type { Principal } from '../auth/roles.js';
import { CommandDto, MergeDto, SplitDto, ResolveDto } from './command.dto.js';
import { IncidentCommandsService, type CommandAnswer } from './incident-commands.service.js';
import { IncidentDetailView } from './incident.views.js';

// The journal records the authenticated caller, and the agent it acts for when the body names one.
@ApiTags('incidents')
@ApiOkResponse({ type: IncidentDetailView, description: 'the incident after the command' })
@ApiAcceptedResponse({
  type: IncidentDetailView,
  description: 'several instances: committed and forwarded to the instance that owns the incident, not seen applied within 5 s; the incident as it is now (Location: read it back)',
})
@ApiConflictResponse({ description: 'the incident is not in a state that allows this command', schema: API_ERROR_REF })
@Controller('v1/incidents/:id')
export class IncidentCommandsController {
  constructor(private readonly commands: IncidentCommandsService) {}

  @Post('acknowledge')
  @HttpCode(200)
  async acknowledge(@Param('id') id: string, @Body() body: CommandDto, @Res({ passthrough: true }) res: FastifyReply, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return answer(res, id, await this.commands.run(id, () => Promise.resolve({ verb: 'acknowledge', ...body, by: actingAs(caller, body.by) })));
  }

  @Post('resolve')
  @HttpCode(200)
  async resolve(@Param('id') id: string, @Body() body: ResolveDto, @Res({ passthrough: true }) res: FastifyReply, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return answer(res, id, await this.commands.run(id, () => Promise.resolve({ verb: 'resolve', ...body, by: actingAs(caller, body.by) })));
  }

  @Post('reopen')
  @HttpCode(200)
  async reopen(@Param('id') id: string, @Body() body: CommandDto, @Res({ passthrough: true }) res: FastifyReply, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return answer(res, id, await this.commands.run(id, () => Promise.resolve({ verb: 'reopen', ...body, by: actingAs(caller, body.by) })));
  }

  @Post('merge')
  @HttpCode(200)
  async merge(@Param('id') id: string, @Body() { into, ...body }: MergeDto, @Res({ passthrough: true }) res: FastifyReply, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return answer(res, id, await this.commands.run(id, async (lookup) => {
      const target = await lookup(into);
      return { verb: 'merge', ...body, by: actingAs(caller, body.by), into: { incidentId: target.id, signature: target.signature } };
    }));
  }

  @Post('split')
  @HttpCode(200)
  async split(@Param('id') id: string, @Body() body: SplitDto, @Res({ passthrough: true }) res: FastifyReply, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return answer(res, id, await this.commands.run(id, () => Promise.resolve({ verb: 'split', ...body, by: actingAs(caller, body.by) })));
  }

  @Post('suggestions/:suggestionId/confirm')
  @HttpCode(200)
  async confirm(@Param('id') id: string, @Param('suggestionId') suggestionId: string, @Body() { by }: CommandDto, @Res({ passthrough: true }) res: FastifyReply, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return answer(res, id, await this.commands.run(id, () => Promise.resolve({ verb: 'confirm-suggestion', by: actingAs(caller, by), suggestionId })));
  }

  @Post('suggestions/:suggestionId/reject')
  @HttpCode(200)
  async reject(@Param('id') id: string, @Param('suggestionId') suggestionId: string, @Body() { by }: CommandDto, @Res({ passthrough: true }) res: FastifyReply, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return answer(res, id, await this.commands.run(id, () => Promise.resolve({ verb: 'reject-suggestion', by: actingAs(caller, by), suggestionId })));
  }
}

/** 200 with the incident after the command; 202 when it was forwarded and not yet seen applied. */
function answer(res: FastifyReply, id: string, { incident, applied }: CommandAnswer): IncidentDetailView {
  if (!applied) res.status(202).header('location', `/v1/incidents/${id}`);
  return incident;
}

import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConflictResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { actingAs, CurrentPrincipal } from '../auth/current-principal.js';
import type { Principal } from '../auth/roles.js';
import { CommandDto, MergeDto, SplitDto } from './command.dto.js';
import { IncidentCommandsService } from './incident-commands.service.js';
import { IncidentDetailView } from './incident.views.js';

// The journal records the authenticated caller, and the agent it acts for when the body names one.
@ApiTags('incidents')
@ApiBearerAuth()
@ApiOkResponse({ type: IncidentDetailView, description: 'the incident after the command' })
@ApiConflictResponse({ description: 'the incident is not in a state that allows this command' })
@Controller('v1/incidents/:id')
export class IncidentCommandsController {
  constructor(private readonly commands: IncidentCommandsService) {}

  @Post('acknowledge')
  @HttpCode(200)
  acknowledge(@Param('id') id: string, @Body() body: CommandDto, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return this.commands.run(id, () => Promise.resolve({ verb: 'acknowledge', ...body, by: actingAs(caller, body.by) }));
  }

  @Post('resolve')
  @HttpCode(200)
  resolve(@Param('id') id: string, @Body() body: CommandDto, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return this.commands.run(id, () => Promise.resolve({ verb: 'resolve', ...body, by: actingAs(caller, body.by) }));
  }

  @Post('reopen')
  @HttpCode(200)
  reopen(@Param('id') id: string, @Body() body: CommandDto, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return this.commands.run(id, () => Promise.resolve({ verb: 'reopen', ...body, by: actingAs(caller, body.by) }));
  }

  @Post('merge')
  @HttpCode(200)
  merge(@Param('id') id: string, @Body() { into, ...body }: MergeDto, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return this.commands.run(id, async (lookup) => {
      const target = await lookup(into);
      return { verb: 'merge', ...body, by: actingAs(caller, body.by), into: { incidentId: target.id, signature: target.signature } };
    });
  }

  @Post('split')
  @HttpCode(200)
  split(@Param('id') id: string, @Body() body: SplitDto, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return this.commands.run(id, () => Promise.resolve({ verb: 'split', ...body, by: actingAs(caller, body.by) }));
  }

  @Post('suggestions/:suggestionId/confirm')
  @HttpCode(200)
  confirm(@Param('id') id: string, @Param('suggestionId') suggestionId: string, @Body() { by }: CommandDto, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return this.commands.run(id, () => Promise.resolve({ verb: 'confirm-suggestion', by: actingAs(caller, by), suggestionId }));
  }

  @Post('suggestions/:suggestionId/reject')
  @HttpCode(200)
  reject(@Param('id') id: string, @Param('suggestionId') suggestionId: string, @Body() { by }: CommandDto, @CurrentPrincipal() caller?: Principal): Promise<IncidentDetailView> {
    return this.commands.run(id, () => Promise.resolve({ verb: 'reject-suggestion', by: actingAs(caller, by), suggestionId }));
  }
}

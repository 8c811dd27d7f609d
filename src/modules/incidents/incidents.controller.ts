import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Freshness } from '../inbox/inbox.service.js';
import { AsOf, withAsOf } from '../inbox/freshness.js';
import { IncidentDetailView, IncidentPage, LEADERSHIP_INCIDENT_PAGE } from './incident.views.js';
import { IncidentsService } from './incidents.service.js';
import { ListIncidentsQuery, TimelineQuery } from './list-incidents.query.js';
import { TimelinePage } from './timeline.js';

@ApiTags('incidents')
@ApiExtraModels(IncidentPage)
@Controller('v1/incidents')
export class IncidentsController {
  constructor(private readonly incidents: IncidentsService) {}

  @Get()
  @ApiOkResponse({ description: 'agents and admins: the full incidents; leadership: the minimum-necessary view', schema: { anyOf: [{ $ref: getSchemaPath(IncidentPage) }, LEADERSHIP_INCIDENT_PAGE] } })
  list(@Query() query: ListIncidentsQuery, @AsOf() asOf: Freshness | undefined): Promise<IncidentPage> {
    return withAsOf(this.incidents.list(query), asOf);
  }

  @Get(':id/timeline')
  @ApiOkResponse({ type: TimelinePage })
  timeline(@Param('id') id: string, @Query() query: TimelineQuery): Promise<TimelinePage> {
    return this.incidents.timeline(id, query.limit, query.cursor);
  }

  @Get(':id')
  @ApiOkResponse({ type: IncidentDetailView })
  get(@Param('id') id: string): Promise<IncidentDetailView> {
    return this.incidents.get(id);
  }
}

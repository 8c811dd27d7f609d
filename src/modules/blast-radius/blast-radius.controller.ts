import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { BlastRadius } from './blast-radius.compute.js';
import { BlastRadiusQueryDto, OutcomesQueryDto, RangeQueryDto } from './blast-radius.query.js';
import { BlastRadiusService, type BlastRadiusRange, type IncidentBlastRadius } from './blast-radius.service.js';
import { BLAST_RADIUS_EXAMPLE, BLAST_RADIUS_RANGE_EXAMPLE, INCIDENT_BLAST_RADIUS_EXAMPLE, OUTCOMES_EXAMPLE } from './openapi-examples.js';
import { BLAST_RADIUS_SCHEMA, INCIDENT_BLAST_RADIUS_SCHEMA, OUTCOMES_SCHEMA } from './openapi-schemas.js';
import type { Outcomes } from './outcomes.js';
import { AsOf, withAsOf, type WithAsOf } from '../inbox/freshness.js';
import type { Freshness } from '../inbox/inbox.service.js';

const SUPPRESSED = 'People counts from 1 to the small-count threshold − 1 are shown to leadership as "<5", figures derived from them as "suppressed".';

@ApiTags('blast radius')
@Controller('v1')
export class BlastRadiusController {
  constructor(private readonly blast: BlastRadiusService) {}

  @Get('blast-radius')
  @ApiOperation({
    summary: 'How bad, and where: open incidents now, at a past instant (?at=), or over a range (?from&to&bucket=)',
    description: `From the incident read models, never the journal. ${SUPPRESSED}`,
  })
  @ApiOkResponse({
    description: 'now or ?at= (mode "now" | "at"); with from/to, mode "range" with buckets',
    content: { 'application/json': { schema: BLAST_RADIUS_SCHEMA, examples: { now: { value: BLAST_RADIUS_EXAMPLE }, range: { value: BLAST_RADIUS_RANGE_EXAMPLE } } } },
  })
  get(@Query() query: BlastRadiusQueryDto, @AsOf() asOf: Freshness | undefined): Promise<WithAsOf<BlastRadius | BlastRadiusRange>> {
    return withAsOf(this.blast.get(query), asOf);
  }

  @Get('incidents/:id/blast-radius')
  @ApiOperation({ summary: "One incident's spread and how it grew: per bucket, new facilities and new people", description: SUPPRESSED })
  @ApiOkResponse({ content: { 'application/json': { schema: INCIDENT_BLAST_RADIUS_SCHEMA, example: INCIDENT_BLAST_RADIUS_EXAMPLE } } })
  forIncident(@Param('id') id: string, @Query() query: RangeQueryDto, @AsOf() asOf: Freshness | undefined): Promise<WithAsOf<IncidentBlastRadius>> {
    return withAsOf(this.blast.forIncident(id, query), asOf);
  }

  @Get('metrics/outcomes')
  @ApiOperation({
    summary: 'Operational outcomes for incidents opened in [from, to): duplicate tickets avoided, time to acknowledge and resolve, reroutes, automatic vs by hand',
  })
  @ApiOkResponse({ content: { 'application/json': { schema: OUTCOMES_SCHEMA, example: OUTCOMES_EXAMPLE } } })
  outcomes(@Query() query: OutcomesQueryDto): Promise<Outcomes> {
    return this.blast.outcomes(query);
  }
}

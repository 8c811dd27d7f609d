import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { correlationIdOf } from '../http/correlation-id.js';
import { IngestService, type IngestResult } from './ingest.service.js';

@ApiTags('ingest')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly ingest: IngestService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Ingest one canonical event v1 or an array of them; answers once they are durable.' })
  @ApiBody({ description: 'A canonical event v1 (DESIGN §3) or an array of them.', schema: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }] } })
  create(@Body() body: unknown, @Req() request: Request): Promise<IngestResult> {
    return this.ingest.ingestHttp(body, correlationIdOf(request));
  }
}

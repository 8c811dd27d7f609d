import { Body, Controller, Headers, HttpCode, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiExtraModels, ApiHeader, ApiOperation, ApiPayloadTooLargeResponse, ApiQuery, ApiServiceUnavailableResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { servedByPlainRoute } from '../http/plain-routes.js';
import { API_ERROR_REF } from '../http/openapi-schema.js';
import { CanonicalEventDto } from './canonical-event.dto.js';
import type { IngestResult } from './ingest.service.js';
import { INGEST_RESULT } from './openapi-answers.js';
import { MAX_EVENTS_PER_REQUEST } from './limits.js';
import { PREFER_WAIT, WAIT_QUERY } from './openapi-answers.js';

/**
 * POST /v1/events as the OpenAPI document describes it. Served by a plain Fastify handler
 * (ingest.routes.ts, http/plain-routes.ts), not by this method: Nest registers the route, and the
 * handler is swapped as it does.
 */
@ApiTags('ingest')
@ApiExtraModels(CanonicalEventDto)
@Controller('v1/events')
export class EventsController {

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Ingest one canonical event v1 or an array of them; answers once they are durable in the inbox (correlation follows), or with ?wait=correlated once they are correlated.' })
  @ApiQuery(WAIT_QUERY)
  @ApiHeader(PREFER_WAIT)
  @ApiBody({
    description: `A canonical event v1 (DESIGN §3), or an array of 1 to ${MAX_EVENTS_PER_REQUEST} of them.`,
    schema: { oneOf: [{ $ref: getSchemaPath(CanonicalEventDto) }, { type: 'array', items: { $ref: getSchemaPath(CanonicalEventDto) }, minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST }] },
  })
  @ApiAcceptedResponse({ description: 'the valid events are durable; the invalid ones of an array are listed, with their reasons', schema: INGEST_RESULT })
  @ApiBadRequestResponse({
    description: 'one event that is invalid (details: its failing fields), or an array with no valid event (details: the first 100 refused, with their fields)',
    schema: API_ERROR_REF,
  })
  @ApiPayloadTooLargeResponse({ description: `more than ${MAX_EVENTS_PER_REQUEST} events, or a body over HTTP_BODY_LIMIT: nothing was kept`, schema: API_ERROR_REF })
  @ApiServiceUnavailableResponse({ description: 'correlation lags past INBOX_MAX_PENDING or INBOX_MAX_LAG_MS (or the database is away): nothing was kept; retry after Retry-After', schema: API_ERROR_REF })
  create(@Body() _body: unknown, @Req() _request: FastifyRequest, @Query() _query: unknown, @Headers('prefer') _prefer?: string): Promise<IngestResult> {
    return servedByPlainRoute();
  }
}

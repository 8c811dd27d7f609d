import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { correlationIdOf } from '../http/correlation-id.js';
import { InvalidInputError, NotFoundError } from '../http/domain-errors.js';
import { NativeIngestService, type NativeResult } from './native-ingest.service.js';
import { NATIVE_RESULT, PREFER_WAIT, WAIT_QUERY } from './openapi-answers.js';
import { requestedWait } from './wait.js';
import {
  ALERTMANAGER_PAYLOAD,
  GRAFANA_PAYLOAD,
  HELPDESK_PAYLOAD,
  MIRTH_PAYLOAD,
  OKTA_PAYLOAD,
  PAGERDUTY_ACCEPTED,
  PAGERDUTY_INVALID,
  PAGERDUTY_PAYLOAD,
  SCIM_PAYLOAD,
} from './sources/openapi-payloads.js';
import { pagerDutyDedupKey } from './sources/pagerduty.js';
import { isNativeSource, NATIVE_SOURCES, type NativeSource } from './sources/registry.js';

/** What a JSON route got when the caller sent no JSON at all (another content type, or nothing). */
function requireBody(body: unknown): unknown {
  if (body === undefined) throw new InvalidInputError('expected a JSON body with content-type application/json', [{ field: 'body', problems: ['missing'] }]);
  return body;
}

/**
 * Each tool's own webhook, pointed at corral unchanged. Static routes come first: PagerDuty and
 * Okta answer in their tools' own terms, HL7 arrives as text.
 */
@ApiTags('ingest')
@Controller('v1/ingest')
export class NativeIngestController {
  constructor(private readonly ingest: NativeIngestService) {}

  @Post('pagerduty')
  @HttpCode(202)
  @ApiOperation({ summary: 'PagerDuty Events API v2 body; answers like PagerDuty: 202 {status, message, dedup_key}, 400 {status:"invalid event", errors}.' })
  @ApiBody({ schema: PAGERDUTY_PAYLOAD })
  @ApiAcceptedResponse({ description: 'durable', schema: PAGERDUTY_ACCEPTED })
  @ApiBadRequestResponse({ description: 'not a valid PagerDuty event', schema: PAGERDUTY_INVALID })
  @ApiQuery(WAIT_QUERY)
  @ApiHeader(PREFER_WAIT)
  async pagerDuty(@Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) response: FastifyReply, @Query() query: unknown, @Headers('prefer') prefer?: string): Promise<Record<string, unknown>> {
    try {
      const result = await this.ingest.ingestHttp('pagerduty', requireBody(body), correlationIdOf(request), requestedWait(query, prefer));
      const waited = result.incidents ? { correlated: result.correlated, incidents: result.incidents } : {};
      return { status: 'success', message: 'Event processed', dedup_key: pagerDutyDedupKey(body as Record<string, unknown>), ...waited };
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      // PagerDuty's own error shape, plus corral's, so either kind of client can read it.
      response.status(400);
      return { status: 'invalid event', message: 'Event object is invalid', errors: [error.message], statusCode: 400, error: 'Bad Request', details: error.details };
    }
  }

  @Get('okta')
  @ApiOperation({ summary: "Okta event hook's one-time verification: echoes X-Okta-Verification-Challenge as {verification}." })
  @ApiHeader({ name: 'x-okta-verification-challenge', required: true })
  @ApiOkResponse({ schema: { type: 'object', properties: { verification: { type: 'string' } }, required: ['verification'] } })
  oktaVerification(@Headers('x-okta-verification-challenge') challenge?: string): { verification: string } {
    if (!challenge) throw new InvalidInputError('missing header X-Okta-Verification-Challenge', [{ field: 'x-okta-verification-challenge', problems: ['missing'] }]);
    return { verification: challenge };
  }

  @Post('okta')
  @HttpCode(200)
  @ApiOperation({ summary: 'Okta event hook delivery (data.events[]); Okta expects a 200.' })
  @ApiBody({ schema: OKTA_PAYLOAD })
  @ApiOkResponse({ description: 'durable', schema: NATIVE_RESULT })
  @ApiQuery(WAIT_QUERY)
  @ApiHeader(PREFER_WAIT)
  okta(@Body() body: unknown, @Req() request: FastifyRequest, @Query() query: unknown, @Headers('prefer') prefer?: string): Promise<NativeResult> {
    return this.ingest.ingestHttp('okta', requireBody(body), correlationIdOf(request), requestedWait(query, prefer));
  }

  @Post('hl7')
  @HttpCode(202)
  @ApiConsumes('x-application/hl7-v2+er7', 'text/plain')
  @ApiBody({ description: 'HL7 v2 ACK/NACK message text (ER7); AE/AR/CE/CR become interface events.', schema: { type: 'string', example: 'MSH|^~\\&|LAB|NORTH|EPIC|NORTH|20261124070000||ACK^R01|MSG00001|P|2.5\rMSA|AE|MSG00001|Interface error\r' } })
  @ApiAcceptedResponse({ description: 'durable', schema: NATIVE_RESULT })
  @ApiQuery(WAIT_QUERY)
  @ApiHeader(PREFER_WAIT)
  hl7(@Body() body: unknown, @Req() request: FastifyRequest, @Query() query: unknown, @Headers('prefer') prefer?: string): Promise<NativeResult> {
    if (typeof body !== 'string') throw new InvalidInputError('expected HL7 v2 text with content-type x-application/hl7-v2+er7 or text/plain', [{ field: 'body', problems: ['must be HL7 v2 text'] }]);
    return this.ingest.ingestHttp('hl7', body, correlationIdOf(request), requestedWait(query, prefer));
  }

  @Post(':source')
  @HttpCode(202)
  @ApiParam({ name: 'source', enum: NATIVE_SOURCES.filter((s) => !['pagerduty', 'okta', 'hl7'].includes(s)) })
  @ApiOperation({ summary: "A tool's native webhook body (Alertmanager v4, Grafana, Mirth alert JSON, SCIM SET, helpdesk report); 202 once durable." })
  @ApiBody({
    description: "the body of the tool named by {source}, as the tool sends it",
    schema: {
      anyOf: [
        { title: 'alertmanager', ...ALERTMANAGER_PAYLOAD },
        { title: 'grafana', ...GRAFANA_PAYLOAD },
        { title: 'mirth', ...MIRTH_PAYLOAD },
        { title: 'scim', ...SCIM_PAYLOAD },
        { title: 'helpdesk', ...HELPDESK_PAYLOAD },
      ],
    },
  })
  @ApiAcceptedResponse({ description: 'durable', schema: NATIVE_RESULT })
  @ApiQuery(WAIT_QUERY)
  @ApiHeader(PREFER_WAIT)
  native(@Param('source') source: string, @Body() body: unknown, @Req() request: FastifyRequest, @Query() query: unknown, @Headers('prefer') prefer?: string): Promise<NativeResult> {
    if (!isNativeSource(source)) throw new NotFoundError(`no adapter for "${source}"; sources: ${NATIVE_SOURCES.join(', ')}`);
    return this.ingest.ingestHttp(source satisfies NativeSource, requireBody(body), correlationIdOf(request), requestedWait(query, prefer));
  }
}

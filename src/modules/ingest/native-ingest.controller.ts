import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { servedByPlainRoute } from '../http/plain-routes.js';
import type { NativeResult } from './native-ingest.service.js';
import { NATIVE_RESULT, PREFER_WAIT, WAIT_QUERY } from './openapi-answers.js';
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
import { NATIVE_SOURCES } from './sources/registry.js';

/**
 * Each tool's own webhook, pointed at corral unchanged. Static routes come first: PagerDuty and
 * Okta answer in their tools' own terms, HL7 arrives as text. As the OpenAPI document describes
 * them: served by plain Fastify handlers (ingest.routes.ts, http/plain-routes.ts), not by these
 * methods; Nest registers the routes, and the handlers are swapped as it does.
 */
@ApiTags('ingest')
@Controller('v1/ingest')
export class NativeIngestController {
  @Post('pagerduty')
  @HttpCode(202)
  @ApiOperation({ summary: 'PagerDuty Events API v2 body; answers like PagerDuty: 202 {status, message, dedup_key}, 400 {status:"invalid event", errors}.' })
  @ApiBody({ schema: PAGERDUTY_PAYLOAD })
  @ApiAcceptedResponse({ description: 'durable', schema: PAGERDUTY_ACCEPTED })
  @ApiBadRequestResponse({ description: 'not a valid PagerDuty event', schema: PAGERDUTY_INVALID })
  @ApiQuery(WAIT_QUERY)
  @ApiHeader(PREFER_WAIT)
  pagerDuty(@Body() _body: unknown, @Req() _request: FastifyRequest, @Res({ passthrough: true }) _response: FastifyReply, @Query() _query: unknown, @Headers('prefer') _prefer?: string): Promise<Record<string, unknown>> {
    return servedByPlainRoute();
  }

  @Get('okta')
  @ApiOperation({ summary: "Okta event hook's one-time verification: echoes X-Okta-Verification-Challenge as {verification}." })
  @ApiHeader({ name: 'x-okta-verification-challenge', required: true })
  @ApiOkResponse({ schema: { type: 'object', properties: { verification: { type: 'string' } }, required: ['verification'] } })
  oktaVerification(@Headers('x-okta-verification-challenge') _challenge?: string): { verification: string } {
    return servedByPlainRoute();
  }

  @Post('okta')
  @HttpCode(200)
  @ApiOperation({ summary: 'Okta event hook delivery (data.events[]); Okta expects a 200.' })
  @ApiBody({ schema: OKTA_PAYLOAD })
  @ApiOkResponse({ description: 'durable', schema: NATIVE_RESULT })
  @ApiQuery(WAIT_QUERY)
  @ApiHeader(PREFER_WAIT)
  okta(@Body() _body: unknown, @Req() _request: FastifyRequest, @Query() _query: unknown, @Headers('prefer') _prefer?: string): Promise<NativeResult> {
    return servedByPlainRoute();
  }

  @Post('hl7')
  @HttpCode(202)
  @ApiConsumes('x-application/hl7-v2+er7', 'text/plain')
  @ApiBody({ description: 'HL7 v2 ACK/NACK message text (ER7); AE/AR/CE/CR become interface events.', schema: { type: 'string', example: 'MSH|^~\\&|LAB|NORTH|EPIC|NORTH|20261124070000||ACK^R01|MSG00001|P|2.5\rMSA|AE|MSG00001|Interface error\r' } })
  @ApiAcceptedResponse({ description: 'durable', schema: NATIVE_RESULT })
  @ApiQuery(WAIT_QUERY)
  @ApiHeader(PREFER_WAIT)
  hl7(@Body() _body: unknown, @Req() _request: FastifyRequest, @Query() _query: unknown, @Headers('prefer') _prefer?: string): Promise<NativeResult> {
    return servedByPlainRoute();
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
  native(@Param('source') _source: string, @Body() _body: unknown, @Req() _request: FastifyRequest, @Query() _query: unknown, @Headers('prefer') _prefer?: string): Promise<NativeResult> {
    return servedByPlainRoute();
  }
}

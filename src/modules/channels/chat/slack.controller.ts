import { Body, Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CorralConfig } from '../../config/corral-config.js';
import { correlationIdOf } from '../../http/correlation-id.js';
import { API_ERROR_REF } from '../../http/openapi-schema.js';
import { bodyBytes } from './chat-request.js';
import { SlackSignatureGuard } from './chat-signature.guards.js';
import { readSlackDelivery } from './slack-events.js';
import { SlackReports, type SlackEventAnswer } from './slack-reports.js';
import { SlackStatusCommand, type SlashAnswer } from './slack-status.js';

const SIGNATURE = { name: 'x-slack-signature', required: true, description: '`v0=` and the hex HMAC-SHA256, keyed with the app’s signing secret, of `v0:<timestamp>:<body>`' };
const TIMESTAMP = { name: 'x-slack-request-timestamp', required: true, description: 'seconds since the epoch; refused more than five minutes from corral’s clock' };
const UNSIGNED = { status: 401, description: 'not signed with the app’s signing secret, or signed more than five minutes ago; nothing of it was read', content: { 'application/json': { schema: API_ERROR_REF } } };

/**
 * The Slack app's two Request URLs (README "Channels → Slack"). Both are public routes whose
 * authentication is Slack's signature (SlackSignatureGuard), checked before the body is read.
 */
@ApiTags('channels')
@Controller('v1/channels/slack')
@UseGuards(SlackSignatureGuard)
export class SlackController {
  constructor(
    private readonly reports: SlackReports,
    private readonly status: SlackStatusCommand,
    private readonly config: CorralConfig,
  ) {}

  @Post('events')
  @HttpCode(200)
  @ApiOperation({ summary: 'Slack Events API Request URL: url_verification, and app_mention / message events as reports; the reply follows in the thread.' })
  @ApiHeader(SIGNATURE)
  @ApiHeader(TIMESTAMP)
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        type: { type: 'string', enum: ['url_verification', 'event_callback', 'app_rate_limited'] },
        challenge: { type: 'string', description: 'url_verification only' },
        team_id: { type: 'string', example: 'T123ABC456' },
        event: { type: 'object', properties: { type: { type: 'string', enum: ['app_mention', 'message'] }, user: { type: 'string' }, text: { type: 'string' }, ts: { type: 'string' }, thread_ts: { type: 'string' }, channel: { type: 'string' } } },
      },
    },
  })
  @ApiOkResponse({ schema: { type: 'object', properties: { challenge: { type: 'string' }, ok: { type: 'boolean' } } } })
  @ApiResponse(UNSIGNED)
  events(@Body() body: unknown, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SlackEventAnswer> {
    const delivery = readSlackDelivery(bodyBytes(body), this.config.channels.slack?.channels ?? new Map());
    // Sent again, a body that is not an Events API body would be refused again.
    if (delivery.kind === 'invalid') void reply.header('x-slack-no-retry', '1');
    return this.reports.handle(delivery, correlationIdOf(request));
  }

  @Post('commands')
  @HttpCode(200)
  @ApiOperation({ summary: 'The /corral slash command: `/corral status [system]` answers the active incidents, only to the person who asked.' })
  @ApiHeader(SIGNATURE)
  @ApiHeader(TIMESTAMP)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ schema: { type: 'object', properties: { command: { type: 'string', example: '/corral' }, text: { type: 'string', example: 'status epic' }, channel_id: { type: 'string' }, team_id: { type: 'string' }, user_id: { type: 'string' } } } })
  @ApiOkResponse({ schema: { type: 'object', properties: { response_type: { type: 'string', enum: ['ephemeral'] }, text: { type: 'string' } } } })
  @ApiResponse(UNSIGNED)
  commands(@Body() body: unknown): Promise<SlashAnswer> {
    return this.status.answer(new URLSearchParams(bodyBytes(body).toString('utf8')));
  }
}

import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CorralConfig } from '../../config/corral-config.js';
import { correlationIdOf } from '../../http/correlation-id.js';
import { API_ERROR_REF } from '../../http/openapi-schema.js';
import { bodyBytes } from './chat-request.js';
import { TeamsSignatureGuard } from './chat-signature.guards.js';
import { readTeamsActivity } from './teams-activity.js';
import { TeamsReports, type TeamsReply } from './teams-reports.js';

/**
 * A Teams outgoing webhook's callback URL (README "Channels → Teams"): a public route whose
 * authentication is the webhook's HMAC (TeamsSignatureGuard), checked before the body is read.
 * The answer is the reply Teams posts in the thread; Teams gives it five seconds.
 */
@ApiTags('channels')
@Controller('v1/channels/teams')
@UseGuards(TeamsSignatureGuard)
export class TeamsController {
  constructor(
    private readonly reports: TeamsReports,
    private readonly config: CorralConfig,
  ) {}

  @Post('messages')
  @HttpCode(200)
  @ApiOperation({ summary: 'Teams outgoing webhook: a mention of the webhook is a report; the answer is the reply in the thread.' })
  @ApiHeader({ name: 'authorization', required: true, description: '`HMAC <base64>`: HMAC-SHA256 of the body, keyed with the webhook’s base64-decoded security token' })
  @ApiBody({
    schema: {
      type: 'object',
      properties: {
        type: { type: 'string', enum: ['message'] },
        id: { type: 'string' },
        text: { type: 'string', example: '<at>corral</at> Epic is frozen on 4 West' },
        timestamp: { type: 'string', format: 'date-time' },
        from: { type: 'object', properties: { id: { type: 'string' }, aadObjectId: { type: 'string' } } },
        conversation: { type: 'object', properties: { id: { type: 'string', example: '19:abc@thread.tacv2;messageid=1481567603816' } } },
        channelData: { type: 'object', properties: { channel: { type: 'object', properties: { id: { type: 'string' } } } } },
      },
    },
  })
  @ApiOkResponse({ schema: { type: 'object', properties: { type: { type: 'string', enum: ['message'] }, text: { type: 'string' } } } })
  @ApiResponse({ status: 401, description: 'not signed with the webhook’s security token; nothing of it was read', content: { 'application/json': { schema: API_ERROR_REF } } })
  messages(@Body() body: unknown, @Req() request: FastifyRequest): Promise<TeamsReply> {
    return this.reports.answer(readTeamsActivity(bodyBytes(body), this.config.channels.teams?.channels ?? new Map()), correlationIdOf(request));
  }
}

import { Body, Controller, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { correlationIdOf } from '../../http/correlation-id.js';
import { InvalidInputError } from '../../http/domain-errors.js';
import { FhirSubscriptionService } from './fhir-subscription.service.js';

class IgnoredResource {
  @ApiProperty({ required: false, example: 'Device/pump-4w-12' }) resource?: string;
  @ApiProperty({ example: 'a heartbeat: nothing to take' }) reason!: string;
}

class NotificationAnswerView {
  @ApiProperty() accepted!: number;
  @ApiProperty() duplicates!: number;
  @ApiProperty({ type: [IgnoredResource] }) ignored!: IgnoredResource[];
}

const NOTIFICATION_BODY = {
  description: 'a notification Bundle (R4 Subscriptions Backport, R4B, R5: full-resource or id-only), or a Device, DeviceMetric or Endpoint (R4 payload)',
  schema: {
    type: 'object' as const,
    properties: { resourceType: { type: 'string', example: 'Bundle' }, type: { type: 'string', example: 'history' }, entry: { type: 'array', items: { type: 'object', properties: { fullUrl: { type: 'string' }, resource: { type: 'object', properties: { resourceType: { type: 'string' } } } } } } },
  },
};

const ID = /^[A-Za-z0-9.-]{1,64}$/;

/** Where a FHIR server's Subscription (channel type rest-hook, header with an ingest key) posts. */
@ApiTags('channels')
@Controller('v1/channels/fhir/notifications')
export class FhirSubscriptionController {
  constructor(private readonly subscription: FhirSubscriptionService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'A FHIR Subscription notification: device and endpoint state changes become alerts; handshakes, heartbeats and empty pings are answered and ignored' })
  @ApiBody(NOTIFICATION_BODY)
  @ApiOkResponse({ type: NotificationAnswerView })
  notify(@Body() body: unknown, @Req() request: FastifyRequest): Promise<NotificationAnswerView> {
    return this.subscription.take(body, correlationIdOf(request));
  }

  @Put(':type/:id')
  @HttpCode(200)
  @ApiOperation({ summary: 'An R4 Subscription with a payload PUTs the changed resource to [endpoint]/[type]/[id]' })
  @ApiBody(NOTIFICATION_BODY)
  @ApiOkResponse({ type: NotificationAnswerView })
  put(@Param('type') type: string, @Param('id') id: string, @Body() body: unknown, @Req() request: FastifyRequest): Promise<NotificationAnswerView> {
    if (!/^[A-Z][A-Za-z]{1,63}$/.test(type) || !ID.test(id)) throw new InvalidInputError('the URL must end in /<ResourceType>/<id>');
    return this.subscription.take(body, correlationIdOf(request), { type, id });
  }
}

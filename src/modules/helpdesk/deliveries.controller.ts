import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { InvalidInputError } from '../http/domain-errors.js';
import { Checks, OptionalText, RequiredText, Required } from '../http/validation.js';
import { DeliveriesRepository } from './deliveries.repository.js';

const STATUSES = ['pending', 'sent', 'superseded', 'dead', 'skipped'] as const;

export class DeliveriesQuery {
  @ApiPropertyOptional({ enum: STATUSES }) @Checks(IsOptional(), IsIn(STATUSES)) status?: (typeof STATUSES)[number];
  @ApiPropertyOptional({ example: 'webhook:servicenow' }) @OptionalText(128) destination?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 }) @Checks(IsOptional(), Type(() => Number), IsInt(), Min(1), Max(500)) limit = 100;
  @ApiPropertyOptional() @OptionalText(32) cursor?: string;
}

export class RetryDto {
  @ApiPropertyOptional({ description: 'only this destination (e.g. webhook:servicenow); all when absent' })
  @OptionalText(128)
  destination?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "only this incident's lane" })
  @Checks(IsOptional(), IsUUID())
  incidentId?: string;
}

export class SkipDto {
  @ApiProperty({ example: 'webhook:servicenow' }) @RequiredText(128) destination!: string;
  @ApiProperty({ format: 'uuid' }) @Checks(Required(), IsUUID()) incidentId!: string;
}

export class BlockedLaneView {
  @ApiProperty() destination!: string;
  @ApiProperty({ format: 'uuid' }) incidentId!: string;
  @ApiProperty({ description: 'the dead delivery at its head' }) eventKey!: string;
  @ApiProperty() type!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ description: 'deliveries waiting behind it' }) waiting!: number;
}

export class DeliveryView {
  @ApiProperty() eventKey!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ format: 'uuid' }) incidentId!: string;
  @ApiProperty() queue!: string;
  @ApiProperty() destination!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiProperty() attempts!: number;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty() nextAttemptAt!: string;
  @ApiProperty({ nullable: true, type: String }) sentAt!: string | null;
}

/** The outbox as operators see it: what is waiting, what was sent, what gave up (dead) and why. */
@ApiTags('helpdesk')
@ApiExtraModels(DeliveryView)
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesRepository) {}

  @Get()
  @ApiOkResponse({ schema: { type: 'object', properties: { items: { type: 'array', items: { $ref: getSchemaPath(DeliveryView) } }, nextCursor: { type: 'string', nullable: true } }, required: ['items', 'nextCursor'] } })
  async list(@Query() query: DeliveriesQuery): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    const after = query.cursor === undefined ? 0 : Number(query.cursor);
    if (!Number.isInteger(after) || after < 0) throw new InvalidInputError('cursor is not one this server issued; start again without it');
    const rows = await this.deliveries.page({ status: query.status, destination: query.destination, after, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return {
      items: page.map((r) => ({
        eventKey: r.event_key,
        type: r.type,
        incidentId: r.incident_id,
        queue: r.queue,
        destination: r.destination,
        status: r.status,
        attempts: r.attempts,
        lastError: r.last_error,
        nextAttemptAt: r.next_attempt_at.toISOString(),
        sentAt: r.sent_at?.toISOString() ?? null,
      })),
      nextCursor: rows.length > query.limit ? (page.at(-1)?.outbox_id ?? null) : null,
    };
  }

  /** Lanes (destination × incident) held by a dead delivery: nothing behind it goes out until it is retried or skipped. */
  @Get('blocked')
  @ApiOkResponse({ type: [BlockedLaneView] })
  async blocked(): Promise<BlockedLaneView[]> {
    const rows = await this.deliveries.blockedLanes();
    return rows.map((r) => ({ destination: r.destination, incidentId: r.incident_id, eventKey: r.event_key, type: r.type, attempts: r.attempts, lastError: r.last_error, waiting: r.waiting }));
  }

  /** Dead deliveries go back to pending, at once: after the helpdesk is fixed, nothing is lost and their lanes move again. */
  @Post('retry')
  @HttpCode(200)
  @ApiOkResponse({ schema: { type: 'object', properties: { requeued: { type: 'integer', minimum: 0 } }, required: ['requeued'] } })
  async retry(@Body() body: RetryDto): Promise<{ requeued: number }> {
    return { requeued: await this.deliveries.requeueDead(body.destination, body.incidentId) };
  }

  /** Gives up on a lane's dead deliveries (they are kept, as `skipped`), so the events behind them go out. */
  @Post('skip')
  @HttpCode(200)
  @ApiOkResponse({ schema: { type: 'object', properties: { skipped: { type: 'integer', minimum: 0 } }, required: ['skipped'] } })
  async skip(@Body() body: SkipDto): Promise<{ skipped: number }> {
    return { skipped: await this.deliveries.skipDead(body.destination, body.incidentId) };
  }
}

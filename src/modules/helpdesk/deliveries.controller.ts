import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { InvalidInputError } from '../http/domain-errors.js';

const STATUSES = ['pending', 'sent', 'superseded', 'dead', 'skipped'] as const;

export class DeliveriesQuery {
  @ApiPropertyOptional({ enum: STATUSES }) @IsOptional() @IsIn(STATUSES) status?: (typeof STATUSES)[number];
  @ApiPropertyOptional({ example: 'webhook:servicenow' }) @IsOptional() @IsString() @MaxLength(128) destination?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit = 100;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(32) cursor?: string;
}

export class RetryDto {
  @ApiPropertyOptional({ description: 'only this destination (e.g. webhook:servicenow); all when absent' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  destination?: string;

  @ApiPropertyOptional({ format: 'uuid', description: "only this incident's lane" })
  @IsOptional()
  @IsUUID()
  incidentId?: string;
}

export class SkipDto {
  @ApiProperty({ example: 'webhook:servicenow' }) @IsString() @MaxLength(128) destination!: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID() incidentId!: string;
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

interface DeliveryRow {
  outbox_id: string;
  event_key: string;
  type: string;
  incident_id: string;
  queue: string;
  destination: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  sent_at: Date | null;
}

/** The outbox as operators see it: what is waiting, what was sent, what gave up (dead) and why. */
@ApiTags('helpdesk')
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(private readonly db: DataSource) {}

  @Get()
  @ApiOkResponse({ description: '{ items: DeliveryView[], nextCursor }' })
  async list(@Query() query: DeliveriesQuery): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    const after = query.cursor === undefined ? 0 : Number(query.cursor);
    if (!Number.isInteger(after) || after < 0) throw new InvalidInputError('cursor is not one this server issued; start again without it');
    const rows = await this.db.query<DeliveryRow[]>(
      `SELECT d.outbox_id, o.event_key, o.type, o.incident_id, o.queue, d.destination, d.status, d.attempts, d.last_error, d.next_attempt_at, d.sent_at
         FROM outbox_delivery d JOIN outbox o ON o.id = d.outbox_id
        WHERE ($1::text IS NULL OR d.status = $1) AND ($2::text IS NULL OR d.destination = $2) AND d.outbox_id > $3
        ORDER BY d.outbox_id, d.destination LIMIT $4`,
      [query.status ?? null, query.destination ?? null, after, query.limit + 1],
    );
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
    const rows = await this.db.query<Array<{ destination: string; incident_id: string; event_key: string; type: string; attempts: number; last_error: string | null; waiting: number }>>(
      `SELECT DISTINCT ON (d.destination, d.incident_id) d.destination, d.incident_id, o.event_key, o.type, d.attempts, d.last_error,
              (SELECT count(*)::int FROM outbox_delivery w WHERE w.destination = d.destination AND w.incident_id = d.incident_id AND w.status = 'pending') AS waiting
         FROM outbox_delivery d JOIN outbox o ON o.id = d.outbox_id
        WHERE d.status = 'dead'
        ORDER BY d.destination, d.incident_id, d.outbox_id LIMIT 1000`,
    );
    return rows.map((r) => ({ destination: r.destination, incidentId: r.incident_id, eventKey: r.event_key, type: r.type, attempts: r.attempts, lastError: r.last_error, waiting: r.waiting }));
  }

  /** Dead deliveries go back to pending, at once: after the helpdesk is fixed, nothing is lost and their lanes move again. */
  @Post('retry')
  @HttpCode(200)
  async retry(@Body() body: RetryDto): Promise<{ requeued: number }> {
    const result = await this.db.query<unknown>(
      `UPDATE outbox_delivery SET status = 'pending', attempts = 0, next_attempt_at = now()
        WHERE status = 'dead' AND ($1::text IS NULL OR destination = $1) AND ($2::uuid IS NULL OR incident_id = $2)`,
      [body.destination ?? null, body.incidentId ?? null],
    );
    return { requeued: affected(result) };
  }

  /** Gives up on a lane's dead deliveries (they are kept, as `skipped`), so the events behind them go out. */
  @Post('skip')
  @HttpCode(200)
  async skip(@Body() body: SkipDto): Promise<{ skipped: number }> {
    const result = await this.db.query<unknown>(`UPDATE outbox_delivery SET status = 'skipped' WHERE status = 'dead' AND destination = $1 AND incident_id = $2`, [body.destination, body.incidentId]);
    return { skipped: affected(result) };
  }
}

/** TypeORM answers an UPDATE on PostgreSQL with [rows, affected count]: the count, not the length of that pair (retry said 2, always). */
function affected(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, Matches, Max, Min } from 'class-validator';
import { Checks } from '../http/validation.js';

const STEP = /^\d{1,4}[smhd]$/;

export class RangeQueryDto {
  @ApiPropertyOptional({ description: 'start of the range (ISO 8601); default: 24 h before `to`', example: '2026-11-24T06:00:00Z' })
  @Checks(IsOptional(), IsISO8601())
  from?: string;

  @ApiPropertyOptional({ description: 'end of the range (ISO 8601, exclusive); default: now', example: '2026-11-24T10:00:00Z' })
  @Checks(IsOptional(), IsISO8601())
  to?: string;

  @ApiPropertyOptional({ description: 'bucket size: 30s, 5m, 15m, 1h, 1d …; default: the "nice" step giving about 48 buckets (at most 1000)', example: '15m' })
  @Checks(IsOptional(), Matches(STEP, { message: 'bucket must look like 30s, 5m, 1h or 1d' }))
  bucket?: string;
}

export class BlastRadiusQueryDto extends RangeQueryDto {
  @ApiPropertyOptional({
    description: 'a past instant (ISO 8601): incidents open then, with the children first seen by then. Not with from/to.',
    example: '2026-11-24T07:30:00Z',
  })
  @Checks(IsOptional(), IsISO8601())
  at?: string;

  @ApiPropertyOptional({ description: 'incidents listed, highest priority and oldest first (totals and aggregates always cover all of them)', minimum: 1, maximum: 5000, default: 100 })
  @Checks(IsOptional(), Type(() => Number), IsInt(), Min(1), Max(5000))
  limit?: number;
}

export class OutcomesQueryDto {
  @ApiPropertyOptional({ description: 'incidents opened from (ISO 8601); default: 24 h before `to`', example: '2026-11-01T00:00:00Z' })
  @Checks(IsOptional(), IsISO8601())
  from?: string;

  @ApiPropertyOptional({ description: 'incidents opened before (ISO 8601); default: now', example: '2026-12-01T00:00:00Z' })
  @Checks(IsOptional(), IsISO8601())
  to?: string;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { Checks, OptionalText } from '../http/validation.js';

export class ListIncidentsQuery {
  @ApiPropertyOptional({ enum: ['open', 'acknowledged', 'flapping', 'resolved', 'merged'] })
  @Checks(IsOptional(), IsIn(['open', 'acknowledged', 'flapping', 'resolved', 'merged']))
  status?: 'open' | 'acknowledged' | 'flapping' | 'resolved' | 'merged';

  @ApiPropertyOptional({ description: 'only incidents in this helpdesk queue' })
  @OptionalText(128)
  queue?: string;

  @ApiPropertyOptional({ description: 'only incidents on this system' })
  @OptionalText(128)
  system?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @Checks(IsOptional(), Type(() => Number), IsInt(), Min(1), Max(500))
  limit = 50;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @OptionalText(256)
  cursor?: string;
}

export class TimelineQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 500 })
  @Checks(IsOptional(), Type(() => Number), IsInt(), Min(1), Max(1000))
  limit = 500;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @OptionalText(32)
  cursor?: string;
}

import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';

/** GET /v1/audit: one page of the trail (decisions from the journal and accesses), oldest first. */
export class AuditQuery {
  @ApiPropertyOptional({ enum: ['json', 'fhir'], description: 'fhir: a FHIR R4 Bundle of AuditEvent resources' })
  @IsOptional()
  @IsIn(['json', 'fhir'])
  format?: 'json' | 'fhir';

  @ApiPropertyOptional({ enum: ['access', 'decision'], description: 'only accesses (audit table) or only decisions (journal)' })
  @IsOptional()
  @IsIn(['access', 'decision'])
  source?: 'access' | 'decision';

  @ApiPropertyOptional({ description: 'recorded at or after (ISO-8601)' })
  @IsOptional()
  @IsISO8601()
  from?: string;

  @ApiPropertyOptional({ description: 'recorded before (ISO-8601)' })
  @IsOptional()
  @IsISO8601()
  to?: string;

  @ApiPropertyOptional({ example: 'incident.read' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  action?: string;

  @ApiPropertyOptional({ description: 'key label or token subject' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  actor?: string;

  @ApiPropertyOptional({ description: 'incident id' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  target?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}

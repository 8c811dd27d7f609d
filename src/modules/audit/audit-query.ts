import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Checks, OptionalText } from '../http/validation.js';

/** GET /v1/audit: one page of the trail (decisions from the journal and accesses), oldest first. */
export class AuditQuery {
  @ApiPropertyOptional({ enum: ['json', 'fhir'], description: 'fhir: a FHIR R4 Bundle of AuditEvent resources' })
  @Checks(IsOptional(), IsIn(['json', 'fhir']))
  format?: 'json' | 'fhir';

  @ApiPropertyOptional({ enum: ['access', 'decision'], description: 'only accesses (audit table) or only decisions (journal)' })
  @Checks(IsOptional(), IsIn(['access', 'decision']))
  source?: 'access' | 'decision';

  @ApiPropertyOptional({ description: 'recorded at or after (ISO-8601)' })
  @Checks(IsOptional(), IsISO8601())
  from?: string;

  @ApiPropertyOptional({ description: 'recorded before (ISO-8601)' })
  @Checks(IsOptional(), IsISO8601())
  to?: string;

  @ApiPropertyOptional({ example: 'incident.read' })
  @OptionalText(128)
  action?: string;

  @ApiPropertyOptional({ description: 'key label or token subject' })
  @OptionalText(256)
  actor?: string;

  @ApiPropertyOptional({ description: 'incident id' })
  @OptionalText(128)
  target?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @Checks(Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value)), IsInt(), Min(1), Max(1000))
  limit = 100;

  @ApiPropertyOptional()
  @OptionalText(2048)
  cursor?: string;
}

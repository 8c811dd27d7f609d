import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { Equals, IsBoolean, IsIn, IsObject, IsOptional, ValidateNested, isISO8601, registerDecorator, type ValidationOptions } from 'class-validator';
import { EVENT_KINDS, EVENT_STATUSES, SEVERITIES, SOURCE_TYPES } from '../../correlation/canonical-event.js';
import { CODE } from '../../correlation/privacy.js';
import { Checks, OptionalText, Required, RequiredText } from '../http/validation.js';

// The OpenAPI document is generated from these classes: each field's schema sits beside its checks.
// Code fields (privacy.ts) are refused on this route unless they are codes; the pattern says so.
const code = (maxLength: number, example: string) => ({ type: String, maxLength, pattern: CODE.source, example });

export class EventSourceDto {
  @ApiProperty({ enum: SOURCE_TYPES, example: 'canonical' })
  @Checks(Required(), IsIn(SOURCE_TYPES))
  type!: (typeof SOURCE_TYPES)[number];

  @ApiProperty({ ...code(128, 'prometheus'), description: 'the sending system; with `id`, the dedup key' })
  @RequiredText(128)
  system!: string;

  @ApiPropertyOptional({ ...code(256, 'prom-1') })
  @OptionalText(256)
  instance?: string;
}

export class RequesterDto {
  /** A corral requester token, or the raw user id, which corral tokenizes on arrival and never keeps. */
  @ApiProperty({ type: String, maxLength: 256, description: 'a corral requester token, or the raw user id, which corral tokenizes on arrival and never keeps', example: 'u123' })
  @RequiredText(256)
  token!: string;

  @ApiPropertyOptional({ ...code(64, 'nurse') })
  @OptionalText(64)
  role?: string;

  @ApiPropertyOptional({ ...code(128, 'ed') })
  @OptionalText(128)
  department?: string;
}

/**
 * An ISO 8601 instant JavaScript can read. `IsISO8601` alone also passes forms such as
 * 20261124T070000Z or 2026-W48, which Date cannot parse: they would fail later, after validation.
 */
export function isInstant(value: unknown): boolean {
  return isISO8601(value, { strict: true }) && !Number.isNaN(Date.parse(value as string));
}


/** At most 64 keys, each mapped to a string of at most 256 characters. */
export function isLabelMap(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length <= 64 &&
    Object.values(value).every((v) => typeof v === 'string' && v.length <= 256)
  );
}

/** A class-validator decorator for one of the predicates above; the hot path calls the predicate itself. */
function constraint(name: string, validate: (value: unknown) => boolean, message: (propertyName: string) => string) {
  return (options?: ValidationOptions) => (target: object, propertyName: string) =>
    registerDecorator({ name, target: target.constructor, propertyName, options: { message: message(propertyName), ...options }, validator: { validate } });
}

const IsInstant = constraint('isInstant', isInstant, (property) => `${property} must be an ISO 8601 date-time such as 2026-11-24T07:00:00Z`);
const IsLabelMap = constraint('isLabelMap', isLabelMap, () => 'must map at most 64 keys to strings of at most 256 characters');

/** Canonical event v1 as producers send it (DESIGN §3). Unknown fields are refused. */
export class CanonicalEventDto {
  @ApiProperty({ type: String, maxLength: 128, description: "the source's own event id; with source.system, the dedup key", example: 'am:1f2e:2026-11-24T07:00:00Z' })
  @RequiredText(128)
  id!: string;

  @ApiProperty({ enum: ['1'] })
  @Checks(Required(), Equals('1', { message: 'schemaVersion must be "1"' }))
  schemaVersion!: '1';

  @ApiProperty({ enum: EVENT_KINDS, example: 'alert' })
  @Checks(Required(), IsIn(EVENT_KINDS))
  kind!: (typeof EVENT_KINDS)[number];

  @ApiProperty({ type: () => EventSourceDto })
  @Checks(Required(), IsObject(), ValidateNested(), Type(() => EventSourceDto))
  source!: EventSourceDto;

  @ApiProperty({ type: String, format: 'date-time', description: 'when it happened, per the source (ISO 8601)', example: '2026-11-24T07:00:00Z' })
  @Checks(Required(), IsInstant())
  occurredAt!: string;

  /** Set by corral on arrival; a producer's value is accepted and overwritten. */
  @ApiPropertyOptional({ type: String, format: 'date-time', description: "set by corral on arrival; a producer's value is accepted and overwritten" })
  @Checks(IsOptional(), IsInstant())
  receivedAt?: string;

  @ApiProperty({ enum: EVENT_STATUSES, description: 'reports are `firing`' })
  @Checks(Required(), IsIn(EVENT_STATUSES))
  status!: (typeof EVENT_STATUSES)[number];

  @ApiProperty({ enum: SEVERITIES })
  @Checks(Required(), IsIn(SEVERITIES))
  severity!: (typeof SEVERITIES)[number];

  @ApiProperty({ ...code(128, 'adt-feed'), description: 'the affected application, service or CI' })
  @RequiredText(128)
  system!: string;

  @ApiPropertyOptional({ ...code(128, 'north') })
  @OptionalText(128)
  facility?: string;

  @ApiPropertyOptional({ ...code(128, 'ed') })
  @OptionalText(128)
  department?: string;

  @ApiPropertyOptional({ type: String, maxLength: 256, description: 'free text, scrubbed of identifiers; room and bed are dropped' })
  @OptionalText(256)
  location?: string;

  @ApiProperty({ type: String, maxLength: 512, description: 'short problem text, scrubbed of identifiers', example: 'ADT feed down' })
  @RequiredText(512)
  symptom!: string;

  @ApiPropertyOptional({ type: String, maxLength: 256, description: 'stable error code or class (HL7 ERR-3, exception class, HTTP status …)', example: 'QUEUE_STALLED' })
  @OptionalText(256)
  errorSignature?: string;

  @ApiPropertyOptional({ type: () => RequesterDto })
  @Checks(IsOptional(), IsObject(), ValidateNested(), Type(() => RequesterDto))
  requester?: RequesterDto;

  @ApiProperty({ type: Boolean, description: 'true when care is affected' })
  @Checks(Required(), IsBoolean())
  patientImpact!: boolean;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 256 },
    maxProperties: 64,
    description: 'at most 64 keys (codes), each mapped to a string of at most 256 characters; a value that is not a code (a phrase, a bare UUID) is kept as its keyed token x-<16 hex>, never refused',
    example: { alertname: 'AdtDown' },
  })
  @Checks(IsOptional(), IsLabelMap())
  labels?: Record<string, string>;

  @ApiPropertyOptional({ ...code(128, 'c-1'), description: 'carried end to end; corral picks one when absent' })
  @OptionalText(128)
  correlationId?: string;
}

import { Type } from 'class-transformer';
import {
  Equals,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
  isISO8601,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { EVENT_KINDS, EVENT_STATUSES, SEVERITIES, SOURCE_TYPES } from '../../correlation/canonical-event.js';

export class EventSourceDto {
  @IsIn(SOURCE_TYPES) type!: (typeof SOURCE_TYPES)[number];
  @IsString() @IsNotEmpty() @MaxLength(128) system!: string;
  @IsOptional() @IsString() @MaxLength(256) instance?: string;
}

export class RequesterDto {
  /** A corral requester token, or the raw user id, which corral tokenizes on arrival and never keeps. */
  @IsString() @IsNotEmpty() @MaxLength(256) token!: string;
  @IsOptional() @IsString() @MaxLength(64) role?: string;
  @IsOptional() @IsString() @MaxLength(128) department?: string;
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
  @IsString() @IsNotEmpty() @MaxLength(128) id!: string;
  @Equals('1', { message: 'schemaVersion must be "1"' }) schemaVersion!: '1';
  @IsIn(EVENT_KINDS) kind!: (typeof EVENT_KINDS)[number];
  @IsObject() @ValidateNested() @Type(() => EventSourceDto) source!: EventSourceDto;
  @IsInstant() occurredAt!: string;
  /** Set by corral on arrival; a producer's value is accepted and overwritten. */
  @IsOptional() @IsInstant() receivedAt?: string;
  @IsIn(EVENT_STATUSES) status!: (typeof EVENT_STATUSES)[number];
  @IsIn(SEVERITIES) severity!: (typeof SEVERITIES)[number];
  @IsString() @IsNotEmpty() @MaxLength(128) system!: string;
  @IsOptional() @IsString() @MaxLength(128) facility?: string;
  @IsOptional() @IsString() @MaxLength(128) department?: string;
  @IsOptional() @IsString() @MaxLength(256) location?: string;
  @IsString() @IsNotEmpty() @MaxLength(512) symptom!: string;
  @IsOptional() @IsString() @MaxLength(256) errorSignature?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => RequesterDto) requester?: RequesterDto;
  @IsBoolean() patientImpact!: boolean;
  @IsOptional() @IsLabelMap() labels?: Record<string, string>;
  @IsOptional() @IsString() @MaxLength(128) correlationId?: string;
}

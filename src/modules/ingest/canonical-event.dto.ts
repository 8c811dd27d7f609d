import { Type } from 'class-transformer';
import {
  Equals,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
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

function IsLabelMap(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isLabelMap',
      target: target.constructor,
      propertyName,
      options: { message: 'must map at most 64 keys to strings of at most 256 characters', ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 64 &&
          Object.values(value).every((v) => typeof v === 'string' && v.length <= 256),
      },
    });
}

/** Canonical event v1 as producers send it (DESIGN §3). Unknown fields are refused. */
export class CanonicalEventDto {
  @IsString() @IsNotEmpty() @MaxLength(128) id!: string;
  @Equals('1', { message: 'schemaVersion must be "1"' }) schemaVersion!: '1';
  @IsIn(EVENT_KINDS) kind!: (typeof EVENT_KINDS)[number];
  @IsObject() @ValidateNested() @Type(() => EventSourceDto) source!: EventSourceDto;
  @IsISO8601({ strict: true }) occurredAt!: string;
  /** Set by corral on arrival; a producer's value is accepted and overwritten. */
  @IsOptional() @IsISO8601({ strict: true }) receivedAt?: string;
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

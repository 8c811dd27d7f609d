import { equals, isBoolean, isIn, isNotEmpty, isObject, isString, maxLength } from 'class-validator';
import { EVENT_KINDS, EVENT_STATUSES, SEVERITIES, SOURCE_TYPES } from '../../correlation/canonical-event.js';
import { isInstant, isLabelMap, type CanonicalEventDto } from './canonical-event.dto.js';

/**
 * The hot path's shortcut past class-transformer and class-validator, which cost about a tenth of
 * ingest CPU for events that are almost always valid. `acceptsCanonical` answers "certainly
 * valid" using class-validator's own predicates, rule for rule as CanonicalEventDto declares them,
 * and is deliberately conservative: whatever it does not recognise goes the slow way, where the
 * DTO decides and names the failing fields. The DTO stays the one definition; the spec proves with
 * generated inputs that this never accepts what the DTO refuses, and checks the key lists below
 * against the DTO's metadata.
 */
export const CANONICAL_KEYS = [
  'id', 'schemaVersion', 'kind', 'source', 'occurredAt', 'receivedAt', 'status', 'severity', 'system', 'facility', 'department',
  'location', 'symptom', 'errorSignature', 'requester', 'patientImpact', 'labels', 'correlationId',
] as const;
export const SOURCE_KEYS = ['type', 'system', 'instance'] as const;
export const REQUESTER_KEYS = ['token', 'role', 'department'] as const;

const only = (value: object, keys: readonly string[]) => Object.keys(value).every((key) => keys.includes(key));
const absent = (value: unknown) => value === undefined || value === null;
const text = (value: unknown, max: number) => isString(value) && maxLength(value, max);
const required = (value: unknown, max: number) => text(value, max) && isNotEmpty(value);
const optional = (value: unknown, max: number) => absent(value) || text(value, max);
const plainObject = (value: unknown): value is Record<string, unknown> => isObject(value) && Object.getPrototypeOf(value) === Object.prototype;

function acceptsSource(value: unknown): boolean {
  return plainObject(value) && only(value, SOURCE_KEYS) && isIn(value.type, SOURCE_TYPES) && required(value.system, 128) && optional(value.instance, 256);
}

function acceptsRequester(value: unknown): boolean {
  return plainObject(value) && only(value, REQUESTER_KEYS) && required(value.token, 256) && optional(value.role, 64) && optional(value.department, 128);
}

export function acceptsCanonical(raw: unknown): raw is CanonicalEventDto {
  if (!plainObject(raw) || !only(raw, CANONICAL_KEYS)) return false;
  const e = raw;
  return (
    required(e.id, 128) &&
    equals(e.schemaVersion, '1') &&
    isIn(e.kind, EVENT_KINDS) &&
    acceptsSource(e.source) &&
    isInstant(e.occurredAt) &&
    (absent(e.receivedAt) || isInstant(e.receivedAt)) &&
    isIn(e.status, EVENT_STATUSES) &&
    isIn(e.severity, SEVERITIES) &&
    required(e.system, 128) &&
    optional(e.facility, 128) &&
    optional(e.department, 128) &&
    optional(e.location, 256) &&
    required(e.symptom, 512) &&
    optional(e.errorSignature, 256) &&
    (absent(e.requester) || acceptsRequester(e.requester)) &&
    isBoolean(e.patientImpact) &&
    (absent(e.labels) || isLabelMap(e.labels)) &&
    optional(e.correlationId, 128)
  );
}

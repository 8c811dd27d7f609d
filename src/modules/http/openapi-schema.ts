import type { SchemaObject } from '@nestjs/swagger';
import { SUPPRESSED_FIGURE } from '../blast-radius/suppression.js';

// Small builders for the OpenAPI schemas of answers that are plain TypeScript interfaces (blast
// radius, outcomes, ingest results): @nestjs/swagger reads classes only, and these answers are
// computed values, not DTOs. Every property listed is required unless `optional` names it, so a
// field dropped from an answer shows up as a document that no longer matches (test/openapi.test.ts).

export const str = (extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...extra });
export const int = (extra: SchemaObject = {}): SchemaObject => ({ type: 'integer', minimum: 0, ...extra });
export const num = (extra: SchemaObject = {}): SchemaObject => ({ type: 'number', ...extra });
export const bool = (): SchemaObject => ({ type: 'boolean' });
export const instant = (extra: SchemaObject = {}): SchemaObject => ({ type: 'string', format: 'date-time', ...extra });
export const nullable = (schema: SchemaObject): SchemaObject => ({ ...schema, nullable: true });
export const arr = (items: SchemaObject, extra: SchemaObject = {}): SchemaObject => ({ type: 'array', items, ...extra });

export function obj(properties: Record<string, SchemaObject>, optional: readonly string[] = [], extra: SchemaObject = {}): SchemaObject {
  const required = Object.keys(properties).filter((name) => !optional.includes(name));
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), ...extra };
}

/**
 * A count of people, as corral answers it: an integer, or for leadership from 1 to the small-count
 * threshold − 1 the string "<threshold" ("<5" by default; suppression.ts).
 */
export const peopleCount = (description?: string): SchemaObject => ({
  oneOf: [int(), { type: 'string', pattern: '^<\\d+$', example: '<5', description: 'leadership: a count from 1 to the threshold − 1' }],
  ...(description ? { description } : {}),
});

/** A figure computed from people counts: a number (null when there is none), or for leadership "suppressed" when one of them is small. */
export const derivedFigure = (description?: string): SchemaObject => ({
  oneOf: [nullable(num()), { type: 'string', enum: [SUPPRESSED_FIGURE] }],
  ...(description ? { description } : {}),
});

/** `{ field, problems }`: what a refused field was refused for. */
export const FIELD_PROBLEM = obj({ field: str({ example: 'source.system' }), problems: arr(str(), { example: ['system is required'] }) });

/** Every error corral answers, from any route (api-exception.filter.ts, DESIGN §9). */
export const API_ERROR = obj(
  {
    statusCode: int({ example: 400 }),
    error: str({ example: 'Bad Request' }),
    message: str({ example: 'invalid event: id: id is required' }),
    details: {
      description:
        'what was refused, when there is more to say: the failing fields ({field, problems}), the refused events of an array ({index, reason, fields}), or the validation messages of a query or command',
      anyOf: [arr(FIELD_PROBLEM), arr(obj({ index: int(), reason: str(), fields: arr(FIELD_PROBLEM) })), arr(str())],
    },
  },
  ['details'],
);

/** Where API_ERROR sits in the document (openapi.ts registers it). */
export const API_ERROR_REF = { $ref: '#/components/schemas/ApiError' };

import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { holdsControl } from '../ingest/unicode.js';
import { InvalidInputError } from './domain-errors.js';

/**
 * Refuses a path parameter, a query parameter or a field of a typed body (commands, …) holding a
 * control character (`/v1/incidents/%00`, `?system=%00`): none is meant as text there, and a NUL
 * reached PostgreSQL, which answered with an error (500). The ingest routes' untyped bodies are left
 * to the ingest boundary (admission.ts), which removes them from free text instead. The refusal is
 * an ordinary 400, audited like any other answer; it names the field and never echoes the value.
 */
export class ControlCharactersPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const typedBody = metadata.type === 'body' && metadata.metatype !== undefined && metadata.metatype !== Object;
    if (metadata.type !== 'param' && metadata.type !== 'query' && !typedBody) return value;
    refuseControlCharacters(value, metadata.data ?? '', metadata.type);
    return value;
  }
}

/** Throws the 400 above when a string in `value` (a key or a value, at any depth) holds a control character; NATS commands share it. */
export function refuseControlCharacters(value: unknown, at = '', what = 'body'): void {
  const field = fieldWithControl(value, at);
  if (field === undefined) return;
  const name = field === '' ? what : field;
  throw new InvalidInputError(`${name} must not hold control characters (U+0000–U+001F, U+007F–U+009F)`, [{ field: name, problems: ['holds a control character'] }]);
}

/** The path of the first string (key or value) holding a control character; iterative, as a query can nest (`a[b][c]=`). */
function fieldWithControl(value: unknown, at: string): string | undefined {
  const stack: Array<[unknown, string]> = [[value, at]];
  while (stack.length > 0) {
    const [current, path] = stack.pop() as [unknown, string];
    if (typeof current === 'string') {
      if (holdsControl(current)) return path;
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, inner] of Object.entries(current)) {
        const inside = path === '' ? key : `${path}.${key}`;
        if (holdsControl(key)) return path;
        stack.push([inner, inside]);
      }
    }
  }
  return undefined;
}

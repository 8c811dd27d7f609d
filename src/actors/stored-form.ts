/**
 * What PostgreSQL will hand back for a value corral writes: the chains hash this, never the JS value
 * as built, so a row verifies for as long as it is not touched (issue #21: an emoji cut in half by a
 * UTF-16 slice was hashed as a lone surrogate and stored as U+FFFD, and the row read back as altered).
 *
 * - Text (a `text` column, or a string anywhere in `jsonb`): a lone surrogate becomes U+FFFD, as
 *   Node's UTF-8 encoder turns it into; NUL, which PostgreSQL refuses in both, becomes U+FFFD too,
 *   so that one stray byte costs a character rather than the batch.
 * - JSON: what `JSON.stringify` then `jsonb` keep: `toJSON` applied (a Date becomes its ISO text),
 *   undefined members and functions dropped, undefined array elements and non-finite numbers null,
 *   -0 as 0.
 *
 * Written by hand because no library maps a value to its PostgreSQL round trip; it returns the very
 * same object when nothing needs repair, so the journal's hot path allocates nothing for clean rows.
 */
const SUSPECT = /[\0\ud800-\udfff]/;
const UNSTORABLE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function storedText(text: string): string {
  return SUSPECT.test(text) ? text.replace(UNSTORABLE, '\ufffd') : text;
}

/** `value` as it reads back from a `jsonb` column (undefined: the member is left out). */
export function storedJson(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
      return storedText(value);
    case 'number':
      // -0 is written as 0.
      return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : null;
    case 'boolean':
      return value;
    case 'object':
      return value === null ? null : storedObject(value);
    default:
      // undefined, functions and symbols: JSON.stringify leaves them out.
      return undefined;
  }
}

function storedObject(value: object): unknown {
  const withJson = value as { toJSON?: unknown };
  if (typeof withJson.toJSON === 'function') return storedJson((withJson.toJSON as () => unknown).call(value));
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const member: unknown = value[i];
      const stored = storedJson(member) ?? null;
      if (copy === undefined && !Object.is(stored, member)) copy = value.slice(0, i);
      copy?.push(stored);
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let copy: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const member = record[key];
    const stored = storedJson(member);
    const storedKey = storedText(key);
    if (copy === undefined && (!Object.is(stored, member) || storedKey !== key || Object.getPrototypeOf(record) !== Object.prototype)) {
      copy = {};
      for (let j = 0; j < i; j++) if (record[keys[j]] !== undefined) define(copy, keys[j], record[keys[j]]);
    }
    // Two keys that become one: jsonb keeps the last, as assigning in order does.
    if (copy !== undefined && stored !== undefined) define(copy, storedKey, stored);
  }
  return copy ?? record;
}

/** An own member even for `__proto__`, as JSON.parse makes it (an assignment would set the prototype). */
function define(record: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

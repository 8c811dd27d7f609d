/**
 * Small-count suppression, one rule for every figure leadership sees: a count of people (callers,
 * their reports, events they make up) from 1 to threshold − 1 is shown as "<threshold", so a ward
 * with one caller cannot be singled out; a figure computed from such a count (a mean, a ratio) is
 * shown as "suppressed", since it would give the count back.
 *
 * Which numbers are people counts is declared by TYPE, not guessed from field names: every answer
 * leadership reads has a `Disclosure<T>` schema of its response type T, and the compiler demands a
 * verdict for every number T holds (`people`, `exact`, or `derivedFrom` sibling people counts), so a
 * field added to a response does not compile until someone decided. At run time a number the schema
 * does not name (an escape past the types: a spread, a cast) is treated as a people count: the rule
 * fails closed.
 */

/** Not about people: incidents, facilities, seconds. */
export const EXACT = 'exact' as const;
/** A count of people or of what they sent. */
export const PEOPLE = 'people' as const;
/** A figure computed from these sibling people counts: suppressed whenever one of them is. */
export const derivedFrom = (...counts: string[]): { derivedFrom: readonly string[] } => ({ derivedFrom: counts });

export type NumberDisclosure = typeof EXACT | typeof PEOPLE | { derivedFrom: readonly string[] };

type Leaf = string | boolean | null | undefined | Date;

/** The schema of T: a verdict for every number, a schema for every object and list that holds one; text needs none. */
export type Disclosure<T> = [NonNullable<T>] extends [Leaf]
  ? never
  : [NonNullable<T>] extends [number | Leaf]
    ? NumberDisclosure
    : [NonNullable<T>] extends [ReadonlyArray<infer E>]
      ? Disclosure<E>
      : [NonNullable<T>] extends [object]
        ? string extends keyof NonNullable<T>
          ? { each: Disclosure<NonNullable<T>[string & keyof NonNullable<T>]> }
          : { [K in keyof NonNullable<T> as [Disclosure<NonNullable<T>[K]>] extends [never] ? never : K]-?: Disclosure<NonNullable<T>[K]> }
        : never;

export const SUPPRESSED_FIGURE = 'suppressed';

export function suppressSmall(count: number, threshold: number): number | string {
  return count > 0 && count < threshold ? `<${threshold}` : count;
}

const isSmall = (value: unknown, threshold: number) => typeof value === 'number' && value > 0 && value < threshold;

/** A copy of `value` as leadership may see it under `schema`; strings (a page, a script) pass unchanged. */
export function disclose(value: unknown, schema: unknown, threshold: number): unknown {
  if (typeof value === 'number') return schema === EXACT ? value : suppressSmall(value, threshold);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (Array.isArray(value)) return value.map((item) => disclose(item, schema, threshold));
  const fields = schema !== null && typeof schema === 'object' ? (schema as Record<string, unknown>) : {};
  const each = 'each' in fields ? fields.each : undefined;
  const source = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(source).map(([key, field]) => {
      const verdict = each ?? fields[key];
      if (verdict !== null && typeof verdict === 'object' && 'derivedFrom' in verdict) {
        const basis = (verdict as { derivedFrom: readonly string[] }).derivedFrom;
        return [key, typeof field === 'number' && basis.some((count) => isSmall(source[count], threshold)) ? SUPPRESSED_FIGURE : field];
      }
      return [key, disclose(field, verdict, threshold)];
    }),
  );
}

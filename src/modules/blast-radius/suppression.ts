/**
 * Small-count suppression, one rule for every figure leadership sees: a count of people (callers,
 * their reports, events they make up) from 1 to threshold − 1 is shown as "<threshold", so a ward
 * with one caller cannot be singled out; a figure that would give such a count back is not shown
 * either: one computed from it (a mean, a ratio), a total listed beside its parts (the difference
 * is the suppressed part), a step of a cumulative curve (the difference of two points).
 *
 * Which numbers are people counts is declared by TYPE, not guessed from field names: every answer
 * leadership reads has a `Disclosure<T>` schema of its response type T, and the compiler demands a
 * verdict for every number T holds (`people`, `exact`, `rounded`, `withheld`, `derivedFrom` sibling
 * people counts, or `totalOf` parts listed in the answer), so a field added to a response does not
 * compile until someone decided. At run time a number the schema
 * does not name (an escape past the types: a spread, a cast) is treated as a people count: the rule
 * fails closed.
 */

/** Not about people: incidents, facilities, seconds. */
export const EXACT = 'exact' as const;
/** A count of people or of what they sent. */
export const PEOPLE = 'people' as const;
/**
 * A point of a cumulative people series (an incident's growth curve). Each point suppressed on its
 * own is not enough: neighbours 12 and 14 would give back the 2 who came between them. So a point
 * from 1 to threshold − 1 reads "<threshold" and every larger one is rounded DOWN to a multiple of
 * the threshold (disclosure control by rounding): two points then differ by a multiple of the
 * threshold, and the true step between them could be any of at least two values, never one known
 * count from 1 to threshold − 1. Beside the exact current count it pins nothing either: the only
 * points it fixes are those equal to it, and steps between those are 0. (dashboard.disclosure.spec.ts
 * enumerates every curve consistent with what leadership sees and checks this.)
 */
export const ROUNDED = 'rounded' as const;
/** Never shown: a number reads "suppressed", a list of numbers comes empty. */
export const WITHHELD = 'withheld' as const;
/** A figure computed from these sibling people counts: suppressed whenever one of them is not shown exactly. */
export const derivedFrom = (...counts: string[]): { derivedFrom: readonly string[] } => ({ derivedFrom: counts });
/**
 * A total whose parts the same answer lists: each argument is a path to them from the object holding
 * the total ("byIncident.reportsAbsorbed"; "../" climbs to the enclosing object; "[facility=code]"
 * keeps the list items whose `facility` equals the total holder's `code`). A total shown exactly
 * beside its parts would give back, by subtraction, a part that is suppressed (or what the parts
 * leave out, when that is small), so it reads "suppressed" whenever a part is not shown exactly or
 * the remainder is from 1 to threshold − 1. A total that is small itself reads "<threshold" as any
 * count does, unless threshold − 1 parts are not 0: then each of them would be 1.
 */
export const totalOf = (...parts: string[]): { totalOf: readonly string[] } => ({ totalOf: parts });

export type NumberDisclosure = typeof EXACT | typeof PEOPLE | typeof ROUNDED | typeof WITHHELD | { derivedFrom: readonly string[] } | { totalOf: readonly string[] };

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

/** A copy of `value` as leadership may see it under `schema`; strings (a page, a script) pass unchanged. */
export function disclose(value: unknown, schema: unknown, threshold: number): unknown {
  return new Discloser(threshold).value(value, schema, []);
}

/** An object of the answer with its schema: where a path to a total's parts starts and climbs. */
interface Scope {
  value: Record<string, unknown>;
  schema: Record<string, unknown>;
}

type Verdict = unknown;

/** A number of the answer with its verdict and the objects enclosing it, innermost last. */
interface Part {
  count: number;
  verdict: Verdict;
  scopes: readonly Scope[];
}

/** Totals name their parts by path, and a part can be a total itself: how deep that may go before failing closed. */
const MAX_DEPTH = 8;

class Discloser {
  constructor(private readonly threshold: number) {}

  /** `outer`: the objects enclosing `value`, outermost first. */
  value(value: unknown, schema: Verdict, outer: readonly Scope[]): unknown {
    if (typeof value === 'number') return this.number(value, schema, outer, 0);
    if (value === null || typeof value !== 'object' || value instanceof Date) return value;
    if (Array.isArray(value)) return schema === WITHHELD ? [] : value.map((item) => this.value(item, schema, outer));
    const scope = { value: value as Record<string, unknown>, schema: schemaOf(schema) };
    const inner = [...outer, scope];
    return Object.fromEntries(
      Object.entries(scope.value).map(([key, field]) => [key, typeof field === 'number' ? this.number(field, verdictOf(scope.schema, key), inner, 0) : this.value(field, verdictOf(scope.schema, key), inner)]),
    );
  }

  /** A number as shown; `scopes` ends with the object that holds it (totals and derived figures read their siblings). */
  private number(count: number, verdict: Verdict, scopes: readonly Scope[], depth: number): number | string {
    if (verdict === EXACT) return count;
    if (verdict === ROUNDED) return count < this.threshold ? suppressSmall(count, this.threshold) : Math.floor(count / this.threshold) * this.threshold;
    if (verdict === WITHHELD) return SUPPRESSED_FIGURE;
    if (isObject(verdict) && 'derivedFrom' in verdict) {
      const holder = scopes.at(-1);
      const basis = verdict.derivedFrom as readonly string[];
      const hidden = !holder || basis.some((name) => {
        const basisCount = holder.value[name];
        return typeof basisCount === 'number' && this.shown({ count: basisCount, verdict: verdictOf(holder.schema, name), scopes }, depth) !== basisCount;
      });
      return hidden ? SUPPRESSED_FIGURE : count;
    }
    if (isObject(verdict) && 'totalOf' in verdict) return this.total(count, verdict.totalOf as readonly string[], scopes, depth);
    // PEOPLE, and any number the schema does not name: the rule fails closed.
    return suppressSmall(count, this.threshold);
  }

  /** How a part of a total is shown: too deep a chain of totals fails closed. */
  private shown(part: Part, depth: number): number | string {
    return depth >= MAX_DEPTH ? SUPPRESSED_FIGURE : this.number(part.count, part.verdict, part.scopes, depth + 1);
  }

  /**
   * A total is shown exactly only if every part is, and what they leave (unlisted parts, or people
   * counted in two parts, when the total counts them once) is 0 or at least the threshold; a small
   * total reads "<threshold" only when it is no more than one part that itself reads so (or only
   * unlisted parts). Either way, any suppressed count can take every value from 1 to threshold − 1
   * with every figure shown staying as it is.
   */
  private total(count: number, paths: readonly string[], scopes: readonly Scope[], depth: number): number | string {
    if (count === 0) return 0;
    const small = count < this.threshold;
    for (const path of paths) {
      const parts = this.parts(path, scopes);
      if (!parts) return SUPPRESSED_FIGURE;
      const nonZero = parts.filter((p) => p.count !== 0);
      const rest = count - nonZero.reduce((sum, p) => sum + p.count, 0);
      const only = nonZero[0];
      const safe = small
        ? nonZero.length === 0 || (nonZero.length === 1 && only !== undefined && rest === 0 && this.shown(only, depth) === suppressSmall(count, this.threshold))
        : (rest === 0 || Math.abs(rest) >= this.threshold) && nonZero.every((p) => this.shown(p, depth) === p.count);
      if (!safe) return SUPPRESSED_FIGURE;
    }
    return suppressSmall(count, this.threshold);
  }

  /**
   * The numbers at `path` from the object holding a total, each with its verdict and enclosing
   * objects. Undefined (so the total is suppressed) when the path does not fit the answer: a
   * misspelt path must not turn the protection off.
   */
  private parts(path: string, scopes: readonly Scope[]): Part[] | undefined {
    const holder = scopes.at(-1);
    const up = /^(?:\.\.\/)*/.exec(path)?.[0].length ?? 0;
    const start = scopes.slice(0, scopes.length - up / 3);
    const steps = path.slice(up).split('.').map((step) => /^(\w+)(?:\[(\w+)=(\w+)\])?$/.exec(step));
    const field = steps.pop();
    if (!holder || start.length === 0 || !field || field[2] !== undefined) return undefined;
    let chains: Array<readonly Scope[]> = [start];
    for (const step of steps) {
      if (!step) return undefined;
      const [, name = '', key, equals] = step;
      const next: Array<readonly Scope[]> = [];
      for (const chain of chains) {
        const here = chain[chain.length - 1];
        const value = here?.value[name];
        if (!here || value === undefined) return undefined;
        const schema = schemaOf(verdictOf(here.schema, name));
        for (const item of Array.isArray(value) ? value : [value]) {
          if (!isObject(item)) return undefined;
          if (key === undefined || equals === undefined || item[key] === holder.value[equals]) next.push([...chain, { value: item, schema }]);
        }
      }
      chains = next;
    }
    const name = field[1] ?? '';
    const parts: Part[] = [];
    for (const chain of chains) {
      const here = chain[chain.length - 1];
      const count = here?.value[name];
      if (!here || typeof count !== 'number') return undefined;
      parts.push({ count, verdict: verdictOf(here.schema, name), scopes: chain });
    }
    return parts;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object';

function schemaOf(schema: Verdict): Record<string, unknown> {
  return isObject(schema) ? schema : {};
}

function verdictOf(schema: Record<string, unknown>, key: string): Verdict {
  return 'each' in schema ? schema.each : schema[key];
}

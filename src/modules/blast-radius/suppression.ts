import { suppressSmall } from '../auth/role-views.js';

/**
 * Fields of the blast-radius, dashboard and outcome answers that count people or their reports.
 * For leadership each is shown as "<threshold" when it is 1..threshold-1 (the auth layer's rule),
 * so a ward with one caller cannot be singled out. Counts of incidents, facilities and durations
 * are not about people and stay exact.
 */
export const PEOPLE_COUNT_FIELDS: ReadonlySet<string> = new Set([
  'childCount',
  'distinctRequesters',
  'requesters',
  'peopleAffected',
  'newChildren',
  'newRequesters',
  'totalChildren',
  'totalRequesters',
  'reportsAbsorbed',
  'eventsAbsorbed',
]);

/** A deep copy of `value` with every people count suppressed; strings (the page, its script) pass unchanged. */
export function suppressPeopleCounts(value: unknown, threshold: number): unknown {
  if (Array.isArray(value)) return value.map((item) => suppressPeopleCounts(item, threshold));
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [key, PEOPLE_COUNT_FIELDS.has(key) && typeof field === 'number' ? suppressSmall(field, threshold) : suppressPeopleCounts(field, threshold)]),
  );
}

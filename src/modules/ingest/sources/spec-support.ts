import { readFileSync } from 'node:fs';
import { eventIdToken } from '../../../correlation/privacy.js';
import type { NormalizeContext, Normalized } from './normalize-kit.js';

export const KEY = 'unit-test-key-0123456789abcdefghijklmnop';
export const context: NormalizeContext = { tokenKey: KEY, receivedAt: new Date('2026-11-24T07:00:00.000Z'), correlationId: 'c-1' };

/** The id corral keeps for a source's own event id (a keyed token, never the id). */
export const idOf = (sourceId: string) => eventIdToken(KEY, sourceId);

export function fixture(path: string): string {
  return readFileSync(new URL(`../../../../test/fixtures/${path}`, import.meta.url), 'utf8');
}
export const json = (path: string) => JSON.parse(fixture(path)) as Record<string, unknown>;

/** The events of a successful normalization; fails the test with the reason otherwise. */
export function eventsOf(result: Normalized) {
  if (!result.ok) throw new Error(`expected events, got ${result.reason}`);
  return result.events;
}

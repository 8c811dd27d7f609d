import fc from 'fast-check';
import { fastInstant, fastIso, parseInstant } from './instant.js';

// The fast path must be Date.parse (and toISOString) for every input, not only for the form it
// takes: generated timestamps near that form, each field at and past its bounds.
const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
const stamp = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1960, max: 2100 }), fc.integer({ min: 0, max: 9999 })).map((n) => String(n).padStart(4, '0')),
    month: two(13),
    day: two(32),
    hour: two(25),
    minute: two(61),
    second: two(61),
    fraction: fc.oneof(fc.constant(''), fc.constant('.'), fc.stringMatching(/^\.\d{1,12}$/), fc.constant(',5')),
    zone: fc.constantFrom('Z', 'z', '+00:00', '-03:30', '+0200', '', ' Z', 'Z '),
    separator: fc.constantFrom('T', 'T', 'T', 't', ' '),
  })
  .map(({ year, month, day, hour, minute, second, fraction, zone, separator }) => `${year}-${month}-${day}${separator}${hour}:${minute}:${second}${fraction}${zone}`);
const within = (min: number, max: number, width: number) => fc.integer({ min, max }).map((n) => String(n).padStart(width, '0'));
/** The fast path's own form: RFC 3339 UTC, every field in its range, up to nine fraction digits. */
const simple = fc
  .tuple(within(1000, 9999, 4), within(1, 12, 2), within(1, 28, 2), within(0, 23, 2), within(0, 59, 2), within(0, 59, 2), fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{1,9}$/)))
  .map(([year, month, day, hour, minute, second, fraction]) => `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}Z`);
const anything = fc.oneof({ weight: 8, arbitrary: stamp }, { weight: 4, arbitrary: simple }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) });
const same = (a: number, b: number) => (Number.isNaN(a) ? Number.isNaN(b) : a === b);

describe('reading an instant', () => {
  it('gives what Date.parse gives, for any text', () => {
    fc.assert(
      fc.property(anything, (text) => {
        expect([text, same(parseInstant(text), Date.parse(text))]).toEqual([text, true]);
      }),
      { numRuns: 50_000, seed: 23 },
    );
  });

  it('writes what toISOString writes, for every text its fast path takes', () => {
    fc.assert(
      fc.property(simple, (text) => {
        expect([text, fastInstant(text), fastIso(text)]).toEqual([text, Date.parse(text), new Date(Date.parse(text)).toISOString()]);
      }),
      { numRuns: 50_000, seed: 24 },
    );
  });

  it('takes the forms monitoring tools send, and leaves the rest to Date.parse', () => {
    expect(fastIso('2026-11-23T19:46:47.123456789Z')).toBe('2026-11-23T19:46:47.123Z');
    expect(fastIso('2026-11-23T19:46:47Z')).toBe('2026-11-23T19:46:47.000Z');
    expect(fastIso('2026-11-23T19:46:47.5Z')).toBe('2026-11-23T19:46:47.500Z');
    for (const slow of ['2026-11-23T19:46:47.0003000000Z', '2026-11-23T19:46:47+02:00', '2026-02-30T00:00:00Z', '0099-01-01T00:00:00Z', '2026-11-23T24:00:00Z', '2026-11-23T19:46:47.Z']) {
      expect([slow, fastInstant(slow)]).toEqual([slow, NaN]);
    }
  });
});

import fc from 'fast-check';
import { parseDuration } from './rules.js';

// The grammar rule files, rule cases and the helpdesk file were written against before `ms` read
// them: a decimal number, optional whitespace, one of ms, s, m, h, d.
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

describe('parseDuration', () => {
  it('reads every duration the earlier grammar read, to the same millisecond', () => {
    const number = fc.oneof(fc.nat({ max: 100_000 }).map(String), fc.tuple(fc.nat({ max: 1000 }), fc.nat({ max: 999 })).map(([whole, part]) => `${whole}.${part}`));
    fc.assert(
      fc.property(number, fc.constantFrom(...(Object.keys(UNIT_MS) as (keyof typeof UNIT_MS)[])), fc.constantFrom('', ' ', '  ', '\t'), fc.constantFrom('', ' '), (n, unit, gap, pad) => {
        expect(parseDuration(`${pad}${n}${gap}${unit}${pad}`)).toBe(Math.round(Number(n) * UNIT_MS[unit]));
      }),
    );
  });

  it('also reads the longer unit names ms knows', () => {
    expect([parseDuration('2 days'), parseDuration('1.5 hours'), parseDuration('1w'), parseDuration('90 seconds')]).toEqual([172_800_000, 5_400_000, 604_800_000, 90_000]);
  });

  it('refuses a bare number, a negative one and words, as before', () => {
    expect(['5', '-5s', 'soon', '5 parsecs', '', 's'].map(parseDuration)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});

import fc from 'fast-check';
import { storedJson, storedText } from './stored-form.js';

/** What a well-formed value gives back after JSON.stringify into jsonb and out again. */
const jsonRoundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('the stored form of a value', () => {
  it('replaces lone surrogates and NUL with U+FFFD, as UTF-8 and PostgreSQL leave them, and keeps whole pairs', () => {
    expect(storedText(`${'A'.repeat(127)}😀`.slice(0, 128))).toBe(`${'A'.repeat(127)}\ufffd`);
    expect(storedText('\udc00x\ud83d')).toBe('\ufffdx\ufffd');
    expect(storedText('a\u0000b')).toBe('a\ufffdb');
    expect(storedText('ok 😀 é')).toBe('ok 😀 é');
    expect(storedText('\ud83d\ud83d\ude00')).toBe(Buffer.from('\ud83d\ud83d\ude00', 'utf8').toString('utf8'));
  });

  it('is what JSON.stringify then jsonb give back, for any JSON-ish value', () => {
    fc.assert(
      fc.property(fc.anything({ withDate: true, withNullPrototype: true, withSparseArray: true, withBoxedValues: false, withBigInt: false, withMap: false, withSet: false, withTypedArray: false }), (value) => {
        const stored = storedJson(value);
        if (stored === undefined) return;
        // Well-formed after repair, so a JSON round trip is the jsonb one.
        expect(JSON.stringify(stored)).not.toMatch(/\\u(d[89a-f][0-9a-f]{2}|0000)/);
        expect(stored).toEqual(jsonRoundTrip(stored));
        expect(JSON.stringify(stored)).toBe(JSON.stringify(jsonRoundTrip(stored)));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with a JSON round trip on every well-formed value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.array(fc.oneof(fc.constant(undefined), fc.double(), fc.date({ noInvalidDate: true }))), (json, odd) => {
        expect(storedJson(json)).toEqual(jsonRoundTrip(json));
        expect(storedJson(odd)).toEqual(jsonRoundTrip(odd));
      }),
    );
  });

  it('returns the very same object when nothing needs repair, and keeps __proto__ an own member', () => {
    const clean = { a: [1, 'b', { c: null }], d: 'é' };
    expect(storedJson(clean)).toBe(clean);
    const odd = JSON.parse('{"__proto__": {"x": 1}, "y": "\\ud800"}') as Record<string, unknown>;
    const stored = storedJson(odd) as Record<string, unknown>;
    expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
    expect(Object.keys(stored)).toEqual(['__proto__', 'y']);
    expect(stored.y).toBe('\ufffd');
  });
});

import fc from 'fast-check';
import { JsonbArena } from './jsonb-arena.js';

// The arena writes before it knows the byte length (see JsonbArena.jsonb), so what matters is
// that a text which did not fit is never handed out cut short, multi-byte characters included.
describe('JsonbArena', () => {
  const text = fc.string({ unit: 'binary', maxLength: 40 });
  const value = fc.oneof(text, fc.array(text, { maxLength: 6 }), fc.dictionary(text, text, { maxKeys: 4 }));

  it('hands out every value whole, as jsonb (version byte 1, then the JSON), however the buffer fills', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(value, { maxLength: 30 }), (initialBytes, values) => {
        const arena = new JsonbArena(initialBytes);
        const handedOut = values.map((v) => arena.jsonb(v));
        // Checked after all were written: a later value never overwrites an earlier one's bytes.
        handedOut.forEach((bytes, i) => {
          expect(bytes[0]).toBe(1);
          expect(bytes.subarray(1).toString('utf8')).toBe(JSON.stringify(values[i]));
        });
      }),
      { numRuns: 500 },
    );
  });

  it('fills the same buffer again after reset', () => {
    const arena = new JsonbArena(64);
    const first = arena.jsonb(['é'.repeat(10)]);
    arena.reset();
    const second = arena.jsonb(['€'.repeat(10)]);
    expect(second.buffer).toBe(first.buffer);
    expect(second.subarray(1).toString('utf8')).toBe(JSON.stringify(['€'.repeat(10)]));
  });
});

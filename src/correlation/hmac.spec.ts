import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { HmacSha256, hmacSha256 } from './hmac.js';

describe('hmacSha256', () => {
  it('is createHmac, for generated keys and messages of every shape', () => {
    // Keys: ASCII (the pad as text), non-ASCII (the pad as bytes), longer than a block (hashed first);
    // messages: empty, ASCII, any UTF-16 (lone surrogates included), past a block; keys alternate, so
    // the pads of one key are never used for another.
    const key = fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ minLength: 65, maxLength: 300 }));
    const message = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'binary-ascii', maxLength: 40 }));
    fc.assert(
      fc.property(key, message, fc.constantFrom('hex' as const, 'base64url' as const), (k, m, encoding) => {
        const expected = createHmac('sha256', k).update(m).digest(encoding);
        expect(hmacSha256(k, m, encoding)).toBe(expected);
        // A key made ready once signs message after message the same (its scratch buffer reused).
        const ready = new HmacSha256(k);
        expect([ready.digest(m, encoding), ready.digest(m, encoding)]).toEqual([expected, expected]);
      }),
      { numRuns: 5_000, seed: 2104 },
    );
  });
});

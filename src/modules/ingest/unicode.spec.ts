import fc from 'fast-check';
import { holdsBrokenText } from './unicode.js';

describe('holdsBrokenText', () => {
  const wellFormed = fc.string({ unit: 'grapheme-composite', maxLength: 20 });
  const lone = fc.oneof(fc.integer({ min: 0xd800, max: 0xdbff }), fc.integer({ min: 0xdc00, max: 0xdfff })).map((code) => String.fromCharCode(code));

  it('passes well-formed text, surrogate pairs (emoji) included, in values, keys and arrays', () => {
    fc.assert(fc.property(wellFormed, wellFormed, (a, b) => !holdsBrokenText({ [a]: [b, { x: `${a}😀${b}` }] })));
  });

  it('finds a lone surrogate wherever it stands: in a value, a key, an array, between pairs', () => {
    fc.assert(
      fc.property(wellFormed, lone, wellFormed, fc.integer({ min: 0, max: 2 }), (before, half, after, where) => {
        // A lone low surrogate right after the same emoji's high half would pair up: keep them apart.
        const text = `${before}😀 ${half} ${after}`;
        const body = where === 0 ? { a: text } : where === 1 ? { [text]: 1 } : { a: [1, [text]] };
        return holdsBrokenText(body);
      }),
    );
  });

  it('finds U+FFFD (what Express makes of bytes that are not UTF-8) only when asked to', () => {
    expect(holdsBrokenText({ text: 'broken \uFFFD' })).toBe(false);
    expect(holdsBrokenText({ text: 'broken \uFFFD' }, { replacement: true })).toBe(true);
  });
});

import fc from 'fast-check';
import { clampText, codePointLength, controlPaths, holdsBrokenText, holdsControl, withoutControls } from './unicode.js';

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

describe('clampText', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 80 });

  it('cuts at most max code points, between graphemes, never splitting a pair, and ends a cut in "…"', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 60 }), (value, max) => {
        const clamped = clampText(value, max);
        expect(codePointLength(clamped)).toBeLessThanOrEqual(max);
        expect(holdsBrokenText(clamped)).toBe(false);
        if (clamped === value) return;
        expect(clamped.endsWith('…')).toBe(true);
        expect(value.startsWith(clamped.slice(0, -1))).toBe(true);
      }),
    );
  });

  it('given the helpdesk report that split an emoji at 512, keeps the emoji whole or leaves it out', () => {
    const report = `${'a'.repeat(510)}😀${'b'.repeat(10)}`;

    const clamped = clampText(report, 512);

    expect(clamped).toBe(`${'a'.repeat(510)}😀…`);
    expect(clampText(`${'a'.repeat(511)}👩‍⚕️b`, 512)).toBe(`${'a'.repeat(511)}…`);
    expect(clampText('😀'.repeat(512), 512)).toBe('😀'.repeat(512));
  });
});

describe('control characters', () => {
  it('finds and removes C0 (but TAB, LF, CR), DEL and C1; keeps everything else', () => {
    expect(holdsControl('a\u0000b')).toBe(true);
    expect(holdsControl('tab\tline\nreturn\r')).toBe(false);
    expect(withoutControls('a\u0000b\u001bc\u007fd\u009be\tf')).toBe('abcde\tf');
    expect(withoutControls('😀 é ü')).toBe('😀 é ü');
  });
});

describe('controlPaths', () => {
  it('names where a payload holds control characters, in the paths its sender knows, at most five', () => {
    const body = { alerts: [{ fingerprint: 'ok' }, { fingerprint: 'a\u0000', labels: { 'job\u0007': 'x', 'odd key': '\u001b' } }], note: 'tab\tis fine' };

    expect(controlPaths(body)).toEqual(['alerts[1].fingerprint', 'alerts[1].labels["job\\u0007"]', 'alerts[1].labels["odd key"]']);
    expect(controlPaths(Array.from({ length: 9 }, () => '\u0000'))).toHaveLength(5);
    expect(controlPaths('MSH|\u0000')).toEqual(['body']);
  });
});

describe('control characters', () => {
  it('are exactly \\p{Cc} less TAB, LF and CR, for every UTF-16 code unit and around astral characters', () => {
    const reference = /(?![\t\n\r])\p{Cc}/u;
    const references = /(?![\t\n\r])\p{Cc}/gu;
    for (let unit = 0; unit <= 0xffff; unit += 1) {
      const text = `a${String.fromCharCode(unit)}b`;
      if (holdsControl(text) !== reference.test(text)) throw new Error(`U+${unit.toString(16)} is classified otherwise`);
      if (withoutControls(text, '?') !== text.replace(references, '?')) throw new Error(`U+${unit.toString(16)} is removed otherwise`);
    }
    expect(withoutControls('😀\u0001\u{1F600}\u0085x')).toBe('😀😀x');
  });
});

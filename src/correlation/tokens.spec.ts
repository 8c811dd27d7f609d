import { scrubText } from './scrub.js';
import { overlap, tokensOf } from './tokens.js';

describe('tokensOf', () => {
  it('keeps no word of what the scrubber removed, so a redaction makes two reports no more alike', () => {
    const a = tokensOf(scrubText('pt maria garcia DOB 14-Mar-1961 wristband blank'));
    const b = tokensOf(scrubText('Patient John Smith MRN 7654321 pharmacy order stuck'));

    expect(a).toEqual(['blank', 'pt', 'wristband']);
    expect([...a, ...b].filter((w) => /redact|name|mrn|dob|maria|garcia|smith|john/.test(w))).toEqual([]);
    expect(overlap(a, b)).toBe(0);
  });
});

import fc from 'fast-check';
import { systemMatches } from './routing.js';

/** What `epic*` and `*-interface` mean, written the obvious way. */
const reference = (pattern: string, system: string) =>
  pattern.endsWith('*') ? system.startsWith(pattern.slice(0, -1)) : pattern.startsWith('*') ? system.endsWith(pattern.slice(1)) : pattern === system;

describe('systemMatches', () => {
  it('matches a prefix, a suffix or the whole name', () => {
    expect(systemMatches('epic*', 'epic-adt')).toBe(true);
    expect(systemMatches('epic*', 'epi')).toBe(false);
    expect(systemMatches('*-interface', 'lab-interface')).toBe(true);
    expect(systemMatches('*-interface', 'interface')).toBe(false);
    expect(systemMatches('pacs', 'pacs')).toBe(true);
    expect(systemMatches('pacs', 'pacs-2')).toBe(false);
    expect(systemMatches('*', 'anything')).toBe(true);
  });

  it('agrees with the obvious definition on generated patterns and names', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', '-', 'é', '🚑'), maxLength: 6 });
    const pattern = fc.oneof(word, word.map((w) => `${w}*`), word.map((w) => `*${w}`));
    fc.assert(fc.property(pattern, word, (p, system) => systemMatches(p, system) === reference(p, system)), { numRuns: 2000 });
  });
});

import { checkLink, linkQuery } from './signed-link.js';

const SECRET = 'a-link-secret-of-at-least-32-characters!';
const NOW = Date.parse('2026-12-06T08:00:00Z');
const query = (params: URLSearchParams) => Object.fromEntries(params.entries());

describe('known-issues signed links', () => {
  const scope = { facility: 'lakeside', expires: NOW / 1000 + 3600 };

  it('opens the scope it was signed for, codes in any case', () => {
    expect(checkLink(SECRET, query(linkQuery(SECRET, scope)), NOW)).toEqual({ ok: true, scope });
    expect(checkLink(SECRET, { ...query(linkQuery(SECRET, scope)), facility: 'LAKESIDE' }, NOW)).toEqual({ ok: true, scope });
  });

  it('refuses a widened, moved, re-dated, foreign or expired link, saying what to do', () => {
    const signed = query(linkQuery(SECRET, scope));
    const refusals = [
      { ...signed, facility: undefined },
      { ...signed, facility: 'overlake' },
      { ...signed, system: 'epic' },
      { ...signed, expires: String(scope.expires + 86_400) },
      query(linkQuery('another-secret-of-at-least-32-characters', scope)),
      { facility: 'lakeside' },
      { ...signed, facility: '<script>' },
      { ...signed, facility: ['lakeside'] },
    ].map((q) => checkLink(SECRET, q, NOW));
    for (const refusal of refusals) expect(refusal).toMatchObject({ ok: false, reason: expect.any(String) });
    expect(checkLink(SECRET, signed, NOW + 7_200_000)).toMatchObject({ ok: false, reason: expect.stringContaining('expired') });
  });
});

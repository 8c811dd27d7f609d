import { derivedFrom, disclose, EXACT, PEOPLE, ROUNDED, totalOf, WITHHELD, type Disclosure } from './suppression.js';

interface Answer {
  total: number;
  sites: Array<{ code: string; people: number }>;
  incidents: Array<{ people: number; sites: Array<{ site: string; people: number }> }>;
  mean: number;
}

// Every site's people are its incidents' people there; everyone is every incident's; the mean is of the total.
const schema: Disclosure<Answer> = {
  total: totalOf('incidents.people'),
  sites: { people: totalOf('../incidents.sites[site=code].people') },
  incidents: { people: totalOf('sites.people'), sites: { people: PEOPLE } },
  mean: derivedFrom('total'),
};

/** Two incidents at two sites: `a` and `b` people at north, and `c` at south for the second. */
function answer(a: number, b: number, c: number): Answer {
  return {
    total: a + b + c,
    sites: [
      { code: 'north', people: a + b },
      { code: 'south', people: c },
    ],
    incidents: [
      { people: a, sites: [{ site: 'north', people: a }] },
      { people: b + c, sites: [{ site: 'north', people: b }, { site: 'south', people: c }] },
    ],
    mean: (a + b + c) / 2,
  };
}

describe('disclose: totals listed beside their parts', () => {
  it('given every part shown exactly, shows the totals and what is derived from them exactly', () => {
    expect(disclose(answer(12, 9, 6), schema, 5)).toEqual(answer(12, 9, 6));
  });

  it('given one part under 5, suppresses every total it is part of, however indirectly, and what is derived from them', () => {
    const shown = disclose(answer(12, 9, 3), schema, 5) as Record<string, unknown>;

    // 24 − 12 − 9 would be the south's 3.
    expect(shown).toEqual({
      total: 'suppressed',
      sites: [
        { code: 'north', people: 21 },
        { code: 'south', people: '<5' },
      ],
      incidents: [
        { people: 12, sites: [{ site: 'north', people: 12 }] },
        { people: 'suppressed', sites: [{ site: 'north', people: 9 }, { site: 'south', people: '<5' }] },
      ],
      mean: 'suppressed',
    });
  });

  it('shows a small total as "<5" when it is one part that reads so, and suppresses it when it is several', () => {
    // South's 3 are the second incident's 3 at south: one count, shown once more.
    expect(disclose(answer(12, 0, 3), schema, 5)).toMatchObject({ sites: [{ people: 12 }, { people: '<5' }], incidents: [{ people: 12 }, { people: '<5' }] });
    // North's 4 is two parts of 2: "<5" beside them would bound each (and with four parts, make each 1).
    expect(disclose(answer(2, 2, 0), schema, 5)).toMatchObject({ sites: [{ people: 'suppressed' }, { people: 0 }] });
  });

  it('suppresses a total whose parts leave a small remainder (parts not listed, or people counted in two of them)', () => {
    const unlisted = { total: 14, sites: [], incidents: [{ people: 12, sites: [{ site: 'north', people: 12 }] }], mean: 7 };
    expect(disclose(unlisted, schema, 5)).toMatchObject({ total: 'suppressed' });
    const twice = { total: 10, sites: [], incidents: [{ people: 6, sites: [{ site: 'north', people: 6 }] }, { people: 6, sites: [{ site: 'north', people: 6 }] }], mean: 5 };
    expect(disclose(twice, schema, 5)).toMatchObject({ total: 'suppressed' });
    expect(disclose({ ...unlisted, total: 17 }, schema, 5)).toMatchObject({ total: 17 });
  });

  it('fails closed when a path does not fit the answer: a misspelt path suppresses the total', () => {
    const misspelt: Disclosure<{ total: number; parts: Array<{ n: number }> }> = { total: totalOf('prats.n'), parts: { n: PEOPLE } };
    expect(disclose({ total: 40, parts: [{ n: 40 }] }, misspelt, 5)).toEqual({ total: 'suppressed', parts: [{ n: 40 }] });
  });
});

describe('disclose: curves and withheld figures', () => {
  it('rounds the points of a cumulative curve down to a multiple of the threshold, small ones "<5", 0 as it is', () => {
    const curve: Disclosure<{ points: number[] }> = { points: ROUNDED };
    expect(disclose({ points: [0, 1, 4, 5, 9, 12, 14, 15] }, curve, 5)).toEqual({ points: [0, '<5', '<5', 5, 5, 10, 10, 15] });
  });

  it('withholds a figure entirely: a number reads "suppressed", a list comes empty', () => {
    const hidden: Disclosure<{ people: number[]; count: number; bucketSeconds: number }> = { people: WITHHELD, count: WITHHELD, bucketSeconds: EXACT };
    expect(disclose({ people: [1, 7, 30], count: 30, bucketSeconds: 60 }, hidden, 5)).toEqual({ people: [], count: 'suppressed', bucketSeconds: 60 });
  });
});

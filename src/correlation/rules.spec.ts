import { compileRules, parseDuration, RuleError } from './rules.js';

const compile = (document: unknown) => () => compileRules([{ file: 'config/rules/bad.yaml', document }]);

describe('compileRules', () => {
  it('compiles a valid rule set with defaults filled in', () => {
    const rules = compileRules([{ file: 'a.yaml', document: { windows: [{ id: 'w', version: 3, groupWait: '1m' }] } }]);

    expect(rules.windows[0]).toEqual(expect.objectContaining({ id: 'w', version: 3, groupWaitMs: 60_000, reopenWindowMs: 1_800_000, flapThreshold: 4 }));
  });

  it('names the file, the rule and the field of every problem', () => {
    const bad = compile({
      windows: [{ id: 'win.x', version: 1, groupWait: 'soon' }],
      signatures: [{ id: 'sig.x', version: 0, fields: ['system', 'colour'] }],
      priority: [{ id: 'prio.x', version: 1, priority: 'P9', when: { severities: ['dire'] } }],
    });

    expect(bad).toThrow(RuleError);
    expect(bad).toThrow('config/rules/bad.yaml: rule "win.x" (windows[0]): field "groupWait" must be a duration');
    expect(bad).toThrow('rule "sig.x" (signatures[0]): field "version" must be a whole number ≥ 1');
    expect(bad).toThrow('rule "sig.x" (signatures[0]): field "fields" has "colour"');
    expect(bad).toThrow('rule "prio.x" (priority[0]): field "priority" must be one of P1, P2, P3, P4');
    expect(bad).toThrow('rule "prio.x" (priority[0]): field "severities" has "dire"');
  });

  it("consults a later directory's rules (a site's own) first, and lets it replace a rule by its id", () => {
    const shipped = { routing: [{ id: 'route.apps', version: 1, when: { systems: ['epic*'] }, queue: 'application-support' }, { id: 'route.fallback', version: 1, queue: 'service-desk' }] };
    const site = { routing: [{ id: 'route.payroll', version: 1, when: { systems: ['payroll'] }, queue: 'finance-apps' }, { id: 'route.fallback', version: 2, queue: 'triage' }] };
    const rules = compileRules([
      { file: 'config/rules/80-routing.yaml', document: shipped, layer: 0 },
      { file: '/etc/corral/rules/site.yaml', document: site, layer: 1 },
    ]);

    expect(rules.routing.map((r) => `${r.id}@${r.version}`)).toEqual(['route.payroll@1', 'route.fallback@2', 'route.apps@1']);
    // Within one directory an id still may not repeat.
    expect(() => compileRules([{ file: 'a.yaml', document: site, layer: 1 }, { file: 'b.yaml', document: site, layer: 1 }])).toThrow('repeats the id');
  });

  it('refuses unknown sections and fields, and repeated ids', () => {
    const bad = compile({
      routes: [],
      reports: [{ id: 'r', version: 1, attachAt: 2, colour: 'red' }],
      identity: [{ id: 'r', version: 1, actions: ['mfa.reset'] }],
    });

    expect(bad).toThrow('unknown section "routes"');
    expect(bad).toThrow('field "attachAt" must be a number from 0 to 1');
    expect(bad).toThrow('field "colour" is not a known field');
    expect(bad).toThrow('rule "r" (identity[0]): field "id" repeats the id of');
  });

  it('keeps a facility\'s display name as written, for screens only: it names no code and is matched nowhere', () => {
    const rules = compileRules([
      { file: 'site.yaml', document: { facilities: [{ id: 'fac.overlake', version: 1, facility: 'OVERLAKE', codes: ['OVL'], name: ' Overlake Medical Center ' }, { id: 'fac.bellevue', version: 1, facility: 'bellevue' }] } },
    ]);

    expect(rules.facilities).toEqual([
      expect.objectContaining({ facility: 'overlake', codes: ['ovl'], name: 'Overlake Medical Center' }),
      expect.not.objectContaining({ name: expect.anything() }),
    ]);
    expect(rules.lexicon.facilities.get('overlake medical center')).toBeUndefined();
    expect(compile({ facilities: [{ id: 'fac.x', version: 1, facility: 'x', name: '' }] })).toThrow('rule "fac.x" (facilities[0]): field "name" must be a non-empty string');
  });

  it('reads a spread rule across facilities by default, or across people with its classes and same action', () => {
    const rules = compileRules([
      {
        file: 'a.yaml',
        document: {
          spread: [
            { id: 'spread.sites', version: 1, within: '15m' },
            { id: 'spread.crowd', version: 1, within: '10m', across: 'person', classes: ['Sign-In'], sameAction: true },
          ],
        },
      },
    ]);
    expect(rules.spread).toEqual([
      expect.objectContaining({ id: 'spread.sites', across: 'facility', withinMs: 900_000 }),
      expect.objectContaining({ id: 'spread.crowd', across: 'person', classes: ['sign-in'], sameAction: true, withinMs: 600_000 }),
    ]);
    expect(rules.spread[0]).not.toHaveProperty('sameAction');
    expect(compile({ spread: [{ id: 'spread.x', version: 1, within: '5m', across: 'department' }] })).toThrow('rule "spread.x" (spread[0]): field "across" must be one of facility, person');
  });

  it('refuses a dependency cycle', () => {
    const cycle = compile({
      dependencies: [
        { id: 'a', version: 1, upstream: 'x', downstream: ['y'] },
        { id: 'b', version: 1, upstream: 'y', downstream: ['x'] },
      ],
    });

    expect(cycle).toThrow(/depends on itself/);
  });

  it('reads durations in ms, s, m, h and d', () => {
    expect(['250ms', '30s', '5m', '4h', '1d', '1.5h', 'soon'].map(parseDuration)).toEqual([250, 30_000, 300_000, 14_400_000, 86_400_000, 5_400_000, undefined]);
  });
});

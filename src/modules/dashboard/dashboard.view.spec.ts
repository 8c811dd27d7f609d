import { compileRules } from '../../correlation/rules.js';
import { assembleBlastRadius, type IncidentRecord } from '../blast-radius/blast-radius.compute.js';
import { outcomesOf } from '../blast-radius/outcomes.js';
import { disclose } from '../blast-radius/suppression.js';
import { counted, figure, madeOf, plotted } from './browser/format.js';
import type { DashboardFrame } from './browser/frame.js';
import { DASHBOARD_FRAME } from './dashboard.disclosure.js';
import { dashboardFrame, type FrameSources } from './dashboard.view.js';
import { displayNamesOf } from './site-names.js';

const T = (hhmm: string) => new Date(`2026-11-24T${hhmm}:00.000Z`);

const rules = compileRules([
  {
    file: 'site.yaml',
    document: {
      systems: [
        { id: 'sys.epic', version: 1, system: 'epic-hyperspace', codes: ['epic'], names: ['Epic', 'Hyperspace'], scope: 'shared' },
        { id: 'sys.printers', version: 1, system: 'printer*', codes: ['zebra*'], names: ['printer'], scope: 'local' },
      ],
      facilities: [{ id: 'fac.overlake', version: 1, facility: 'overlake', codes: ['ovl'], name: 'Overlake Medical Center' }],
    },
  },
]);
const names = displayNamesOf(rules.lexicon);

const record = (id: string, overrides: Partial<IncidentRecord>): IncidentRecord => ({
  id,
  status: 'open',
  priority: 'P4',
  system: 'x',
  queue: null,
  parentId: null,
  facilities: [],
  departments: [],
  childCount: 1,
  distinctRequesters: 0,
  patientImpact: false,
  openedAt: T('06:40'),
  firstSeen: T('06:40'),
  lastSeen: T('07:20'),
  facilityName: null,
  departmentName: null,
  ...overrides,
});

/** The EHR down at Overlake (20 callers) and Kirkland (3), and a printer's 20 alerts at Bellevue. */
function sources(): FrameSources {
  const blast = assembleBlastRadius({
    mode: 'now',
    at: T('07:30'),
    incidents: [
      record('ehr', { priority: 'P1', system: 'epic-hyperspace', facilities: ['overlake', 'kirkland'], childCount: 25, distinctRequesters: 23, patientImpact: true }),
      record('printer', { system: 'printer-ed-01', facilities: ['bellevue'], childCount: 20, facilityName: 'Bellevue Hospital (directory)' }),
    ],
    spread: [
      { incidentId: 'ehr', facility: 'overlake', departments: ['ed'], childCount: 21, requesters: 20 },
      { incidentId: 'ehr', facility: 'kirkland', departments: ['lab'], childCount: 4, requesters: 3 },
      { incidentId: 'printer', facility: 'bellevue', departments: [], childCount: 20, requesters: 0 },
    ],
    parents: [],
    peopleAffected: 23,
  });
  const series = { from: T('07:00').toISOString(), bucketSeconds: 3600, byPriority: [{ priority: 'P1', active: [1] }] };
  return {
    blast,
    growth: new Map([
      ['ehr', { kinds: ['alert', 'report'], growth: { from: T('06:40').toISOString(), bucketSeconds: 300, events: [2, 4, 25], people: [1, 3, 23] } }],
      ['printer', { kinds: ['alert'], growth: { from: T('06:55').toISOString(), bucketSeconds: 300, events: [3, 20], people: [0, 0] } }],
    ]),
    today: { from: T('00:00'), absorbed: [{ id: 'ehr', priority: 'P1', system: 'epic-hyperspace', reportsAbsorbed: 23 }, { id: 'wifi', priority: 'P3', system: 'wifi', reportsAbsorbed: 2 }] },
    openOverTime: { day: series, week: series, month: series },
    weekly: { from: T('00:00').toISOString(), bucketSeconds: 604_800, byPriority: [{ priority: 'P1', incidents: [1], ackMedianSeconds: [720], resolveMedianSeconds: [null] }] },
    week: outcomesOf({ from: T('00:00'), to: T('07:30') }, [], { byPath: [], incidents: 0 }),
    names,
    smallCount: 5,
  };
}

describe('dashboardFrame', () => {
  it('given an EHR outage and a printer, names systems and sites from the rules, then the EHR directory, else leaves the code', () => {
    const frame = dashboardFrame(sources());

    const [ehr, printer] = frame.incidents;
    expect([ehr?.system, ehr?.systemName]).toEqual(['epic-hyperspace', 'Epic']);
    expect(ehr?.facilities.map((f) => [f.facility, f.name])).toEqual([
      ['overlake', 'Overlake Medical Center'],
      ['kirkland', null],
    ]);
    // A printer matched by a pattern gets no name of the pattern's; its site keeps the directory's.
    expect([printer?.systemName, printer?.facilities[0]?.name]).toEqual([null, 'Bellevue Hospital (directory)']);
    expect(printer?.kinds).toEqual(['alert']);
    // In the blast radius' order (worst priority, most incidents, code); the browser sorts them as asked.
    expect(frame.facilities.map((f) => [f.code, f.name, f.worstPriority, f.systems.map((s) => s.name ?? s.system)])).toEqual([
      ['kirkland', null, 'P1', ['Epic']],
      ['overlake', 'Overlake Medical Center', 'P1', ['Epic']],
      ['bellevue', 'Bellevue Hospital (directory)', 'P4', ['printer-ed-01']],
    ]);
    expect(frame.today).toEqual({
      from: T('00:00').toISOString(),
      reportsAbsorbed: 25,
      byIncident: [
        { id: 'ehr', priority: 'P1', system: 'epic-hyperspace', systemName: 'Epic', reportsAbsorbed: 23 },
        { id: 'wifi', priority: 'P3', system: 'wifi', systemName: null, reportsAbsorbed: 2 },
      ],
    });
  });

  it('shows leadership every people figure under 5 as "<5", on the tiles, the spread, the growth curves and the absorbed calls, and the rest exactly', () => {
    // The frame as leadership's browser types it: every people count a number, "<5" or "suppressed".
    const frame = disclose(dashboardFrame(sources()), DASHBOARD_FRAME, 5) as DashboardFrame<number | string>;

    expect(frame.incidents[0]?.facilities.map((f) => f.requesters)).toEqual([20, '<5']);
    // Rounded down to fives: no step between two points is a known 1 to 4. No people curve.
    expect(frame.incidents[0]?.growth.events).toEqual(['<5', '<5', 25]);
    expect(frame.incidents[0]?.growth.people).toEqual([]);
    expect(frame.incidents[0]?.growth.bucketSeconds).toBe(300);
    // The printer's 3 alerts at first: fewer than 5, like every count of what was sent.
    expect(frame.incidents[1]?.growth.events).toEqual(['<5', 20]);
    expect(frame.facilities.map((f) => [f.incidents, f.requesters])).toEqual([
      [1, '<5'],
      [1, 20],
      [1, 0],
    ]);
    expect(frame.today.byIncident.map((a) => a.reportsAbsorbed)).toEqual([23, '<5']);
    expect(frame.totals.p1).toBe(1);
  });

  it('says what an incident holds: alerts for a machine\'s, people and reports for calls, "fewer than 5" for small counts', () => {
    expect(madeOf(['alert'], 20, 0)).toBe('20 alerts');
    expect(madeOf(['interface'], '<5', 0)).toBe('fewer than 5 alerts');
    expect(madeOf(['alert', 'report'], 27, 24)).toBe('24 people · 27 reports and alerts');
    expect(madeOf(['identity'], 6, '<5')).toBe('fewer than 5 people · 6 account events');
    expect(madeOf(['report'], 1, 1)).toBe('1 person · 1 report');
    expect(madeOf([], 0, 0)).toBe('nothing received yet');
    expect(counted('<5', 'call', 'calls')).toBe('fewer than 5 calls');
    expect([figure(27), figure('<5')]).toEqual(['27', 'fewer than 5']);
    // Withheld: a total a small count could be worked out from.
    expect([figure('suppressed'), counted('suppressed', 'person', 'people'), madeOf(['report'], 27, 'suppressed')]).toEqual(['withheld', 'people (number withheld)', 'people (number withheld) · 27 reports']);
    // A suppressed count is not drawn: a point would give it away.
    expect([plotted(7), plotted('<5'), plotted(null)]).toEqual([7, null, null]);
  });
});

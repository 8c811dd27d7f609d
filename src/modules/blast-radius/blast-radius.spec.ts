import { assembleBlastRadius, type IncidentRecord } from './blast-radius.compute.js';
import { withAges, rangeOf } from './blast-radius.service.js';
import { bucketIndex, bucketsOf, chooseStep, growthOf, parseStep, rangeBuckets } from './buckets.js';
import { outcomesOf, percentile, reportsAbsorbed, type OutcomeIncident } from './outcomes.js';
import { derivedFrom, disclose, EXACT, PEOPLE, type Disclosure } from './suppression.js';

const T = (hhmm: string) => new Date(`2026-11-24T${hhmm}:00.000Z`);

const incident = (id: string, overrides: Partial<IncidentRecord> = {}): IncidentRecord => ({
  id,
  status: 'open',
  priority: 'P3',
  system: 'epic-adt',
  queue: 'application-support',
  parentId: null,
  facilities: [],
  departments: [],
  childCount: 1,
  distinctRequesters: 1,
  patientImpact: false,
  openedAt: T('07:00'),
  firstSeen: T('07:00'),
  lastSeen: T('07:10'),
  facilityName: null,
  departmentName: null,
  ...overrides,
});

describe('assembleBlastRadius', () => {
  it('given an ADT outage at three facilities and a downstream lab incident, totals, tree, grid and dependency parents follow', () => {
    const result = assembleBlastRadius({
      mode: 'now',
      at: T('08:00'),
      incidents: [
        incident('lab', { system: 'lab-interface', priority: 'P3', parentId: 'adt-a', openedAt: T('07:20'), facilities: ['overlake'] }),
        incident('adt-a', { priority: 'P1', openedAt: T('07:05'), facilities: ['overlake'], patientImpact: true, facilityName: 'Overlake Medical Center' }),
        incident('adt-b', { priority: 'P1', openedAt: T('07:00'), facilities: ['bellevue'], patientImpact: true }),
        incident('adt-c', { priority: 'P2', openedAt: T('07:10'), facilities: ['kirkland'] }),
      ],
      spread: [
        { incidentId: 'adt-a', facility: 'overlake', departments: ['ed'], childCount: 20, requesters: 15 },
        { incidentId: 'adt-b', facility: 'bellevue', departments: ['icu', 'ed'], childCount: 15, requesters: 15 },
        { incidentId: 'adt-c', facility: 'kirkland', departments: [], childCount: 10, requesters: 10 },
      ],
      parents: [{ id: 'adt-a', system: 'epic-adt', status: 'open' }],
      peopleAffected: 40,
    });

    expect(result.totals).toEqual({
      incidents: 4,
      facilitiesAffected: 3,
      peopleAffected: 40,
      p1: 2,
      patientImpact: 2,
      longestOpen: { id: 'adt-b', priority: 'P1', system: 'epic-adt', openedAt: T('07:00').toISOString(), ageSeconds: 3600 },
    });
    // P1s first (oldest first), then P2, then P3.
    expect(result.incidents.map((i) => i.id)).toEqual(['adt-b', 'adt-a', 'adt-c', 'lab']);
    expect(result.incidents[0]?.facilities).toEqual([{ facility: 'bellevue', name: null, departments: ['ed', 'icu'], childCount: 15, requesters: 15 }]);
    expect(result.incidents[1]?.facilities[0]?.name).toBe('Overlake Medical Center');
    // A facility known only from the incident row (no children yet) still counts as affected.
    expect(result.incidents[3]?.facilities).toEqual([{ facility: 'overlake', name: null, departments: [], childCount: 0, requesters: 0 }]);
    expect(result.incidents[3]?.dependsOn).toEqual([{ id: 'adt-a', system: 'epic-adt', status: 'open' }]);
    expect(result.systems).toEqual([
      { system: 'epic-adt', incidents: 3, dependsOn: [], worstPriority: 'P1' },
      { system: 'lab-interface', incidents: 1, dependsOn: ['epic-adt'], worstPriority: 'P3' },
    ]);
    expect(result.grid).toContainEqual({ facility: 'overlake', system: 'epic-adt', incidents: 1, requesters: 15, worstPriority: 'P1' });
    expect(result.facilities.find((f) => f.facility === 'overlake')).toEqual({ facility: 'overlake', name: 'Overlake Medical Center', incidents: 2, requesters: 15, worstPriority: 'P1' });
    expect(result.queues).toEqual([{ queue: 'application-support', incidents: 4 }]);
  });

  it('given nothing open, answers zeros and no longest-open incident', () => {
    const result = assembleBlastRadius({ mode: 'now', at: T('08:00'), incidents: [], spread: [], parents: [], peopleAffected: 0 });
    expect(result.totals).toEqual({ incidents: 0, facilitiesAffected: 0, peopleAffected: 0, p1: 0, patientImpact: 0, longestOpen: null });
  });

  it('moves ages with the clock when a cached answer is served later', () => {
    const cached = assembleBlastRadius({ mode: 'now', at: T('08:00'), incidents: [incident('a')], spread: [], parents: [], peopleAffected: 1 });
    const later = withAges(cached, T('09:00'));
    expect(later.incidents[0]?.ageSeconds).toBe(7200);
    expect(later.totals.longestOpen?.ageSeconds).toBe(7200);
    expect(later.at).toBe(T('09:00').toISOString());
  });
});

describe('buckets', () => {
  it('parses steps and refuses nonsense', () => {
    expect(parseStep('15m')).toBe(900_000);
    expect(parseStep('1d')).toBe(86_400_000);
    expect(parseStep('0m')).toBeUndefined();
    expect(parseStep('1w')).toBeUndefined();
  });

  it('chooses the smallest nice step giving at most 48 buckets', () => {
    expect(chooseStep(T('00:00'), T('23:59'))).toBe(1_800_000); // 24 h / 30 min = 48
    expect(chooseStep(T('00:00'), new Date(T('00:00').getTime() + 25 * 3_600_000))).toBe(3_600_000);
    expect(chooseStep(T('07:00'), T('08:00'))).toBe(300_000);
  });

  it('cuts [from, to) into steps, the last ending at `to`, and refuses too many', () => {
    const buckets = bucketsOf(T('07:00'), T('08:10'), 1_800_000);
    expect(buckets.map((b) => [b.start.toISOString().slice(11, 16), b.end.toISOString().slice(11, 16)])).toEqual([
      ['07:00', '07:30'],
      ['07:30', '08:00'],
      ['08:00', '08:10'],
    ]);
    expect(bucketIndex(buckets, T('08:05'))).toBe(2);
    expect(bucketIndex(buckets, T('08:10'))).toBe(-1);
    expect(() => bucketsOf(T('00:00'), T('23:00'), 1000)).toThrow(/at most 1000/);
    expect(() => bucketsOf(T('08:00'), T('07:00'), 1000)).toThrow(/after/);
  });

  it('counts an incident active in every bucket it overlaps, opened and resolved once', () => {
    const buckets = bucketsOf(T('07:00'), T('10:00'), 3_600_000);
    const series = rangeBuckets(
      buckets,
      [
        { priority: 'P1', openedAt: T('07:30'), resolvedAt: T('08:30') },
        { priority: 'P3', openedAt: T('06:00'), resolvedAt: null },
      ],
      new Map([[1, { childCount: 5, requesters: 4, facilities: 2 }]]),
    );
    expect(series.map((b) => [b.active, b.p1Active, b.opened, b.resolved, b.childCount])).toEqual([
      [2, 1, 1, 0, 0],
      [2, 1, 0, 1, 5],
      [1, 0, 0, 0, 0],
    ]);
  });

  it("shows an incident's growth: what was new per bucket, with earlier children in the totals only", () => {
    const buckets = bucketsOf(T('07:00'), T('07:30'), 900_000);
    const growth = growthOf(
      [
        { firstSeen: T('06:50'), facility: 'overlake', requesterToken: 'r1' },
        { firstSeen: T('07:01'), facility: 'overlake', requesterToken: 'r1' },
        { firstSeen: T('07:02'), facility: 'bellevue', requesterToken: 'r2' },
        { firstSeen: T('07:20'), facility: 'kirkland', requesterToken: null },
        { firstSeen: T('07:21'), facility: 'bellevue', requesterToken: 'r3' },
      ],
      buckets,
    );
    expect(growth).toEqual([
      { start: T('07:00').toISOString(), end: T('07:15').toISOString(), newChildren: 2, newFacilities: ['bellevue'], newRequesters: 1, totalChildren: 3, totalFacilities: 2, totalRequesters: 2 },
      { start: T('07:15').toISOString(), end: T('07:30').toISOString(), newChildren: 2, newFacilities: ['kirkland'], newRequesters: 1, totalChildren: 5, totalFacilities: 3, totalRequesters: 3 },
    ]);
  });

  it('defaults a range to the last 24 h and refuses an inverted one', () => {
    expect(rangeOf({}, T('12:00'))).toEqual({ from: new Date(T('12:00').getTime() - 86_400_000), to: T('12:00'), step: 1_800_000 });
    expect(() => rangeOf({ from: T('12:00').toISOString(), to: T('11:00').toISOString() }, T('13:00'))).toThrow(/after/);
    expect(() => rangeOf({ bucket: '3w' }, T('13:00'))).toThrow(/bucket/);
  });
});

describe('disclose (small-count suppression by schema)', () => {
  interface Answer {
    totals: { incidents: number; peopleAffected: number };
    incidents: Array<{ name: string; childCount: number; facilities: Array<{ requesters: number; childCount: number }> }>;
    absorbed: { reports: number; perIncidentMean: number | null };
    byOrigin: Record<string, number>;
    page: string;
  }
  const schema: Disclosure<Answer> = {
    totals: { incidents: EXACT, peopleAffected: PEOPLE },
    incidents: { childCount: PEOPLE, facilities: { requesters: PEOPLE, childCount: PEOPLE } },
    absorbed: { reports: PEOPLE, perIncidentMean: derivedFrom('reports') },
    byOrigin: { each: EXACT },
  };

  it('shows people counts 1..4 as "<5" at any depth, keeps 0, 5+, exact counts and text', () => {
    const answer: Answer = {
      totals: { incidents: 2, peopleAffected: 3 },
      incidents: [{ name: 'a', childCount: 4, facilities: [{ requesters: 5, childCount: 1 }] }],
      absorbed: { reports: 0, perIncidentMean: 0 },
      byOrigin: { report: 1 },
      page: '<html>',
    };
    expect(disclose(answer, schema, 5)).toEqual({
      totals: { incidents: 2, peopleAffected: '<5' },
      incidents: [{ name: 'a', childCount: '<5', facilities: [{ requesters: 5, childCount: '<5' }] }],
      absorbed: { reports: 0, perIncidentMean: 0 },
      byOrigin: { report: 1 },
      page: '<html>',
    });
  });

  it('suppresses a figure derived from a suppressed count, and keeps it when the count is shown', () => {
    const given = (reports: number, mean: number) => ({ totals: { incidents: 1, peopleAffected: 0 }, incidents: [], absorbed: { reports, perIncidentMean: mean }, byOrigin: {}, page: '' });
    expect(disclose(given(1, 0.5), schema, 5)).toMatchObject({ absorbed: { reports: '<5', perIncidentMean: 'suppressed' } });
    expect(disclose(given(12, 6), schema, 5)).toMatchObject({ absorbed: { reports: 12, perIncidentMean: 6 } });
  });

  it('treats a number the schema does not name as a people count: it fails closed', () => {
    const escaped = { totals: { incidents: 1, peopleAffected: 9, addedLater: 2 }, extra: { callers: 3 } };
    expect(disclose(escaped, schema, 5)).toEqual({ totals: { incidents: 1, peopleAffected: 9, addedLater: '<5' }, extra: { callers: '<5' } });
  });
});

describe('outcomes', () => {
  const base = (id: string, o: Partial<OutcomeIncident>): OutcomeIncident => ({
    id,
    priority: 'P2',
    system: 'epic-adt',
    queue: 'application-support',
    origin: 'machine',
    openedAt: T('07:00'),
    acknowledgedAt: null,
    resolvedAt: null,
    childCount: 1,
    reportChildren: 0,
    ...o,
  });

  it('counts only the calls after the one that opened an incident as absorbed', () => {
    expect(reportsAbsorbed({ origin: 'report', reportChildren: 3 })).toBe(2);
    expect(reportsAbsorbed({ origin: 'machine', reportChildren: 3 })).toBe(3);
    expect(reportsAbsorbed({ origin: 'report', reportChildren: 0 })).toBe(0);
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([10, 20, 30, 40], 50)).toBe(20);
    expect(percentile([10, 20, 30, 40], 90)).toBe(40);
  });

  it('splits automatic from manual, groups response times by queue and priority, sums reroutes', () => {
    const result = outcomesOf(
      { from: T('00:00'), to: T('23:00') },
      [
        base('a', { origin: 'machine', childCount: 41, reportChildren: 30, acknowledgedAt: T('07:04'), resolvedAt: T('09:00') }),
        base('b', { origin: 'identity', acknowledgedAt: T('07:10') }),
        base('c', { origin: 'report', priority: 'P4', queue: 'service-desk', childCount: 3, reportChildren: 3 }),
      ],
      { byPath: [{ from: 'service-desk', to: 'integration', count: 2 }], incidents: 1 },
    );
    expect(result.origin).toEqual({ automatic: 2, manual: 1, automaticShare: 2 / 3, byOrigin: { machine: 1, identity: 1, report: 1 } });
    expect(result.absorbed.reports).toBe(32);
    expect(result.absorbed.events).toBe(42);
    expect(result.absorbed.top[0]).toEqual({ id: 'a', priority: 'P2', system: 'epic-adt', reportsAbsorbed: 30, eventsAbsorbed: 40 });
    expect(result.responseTimes).toEqual([
      { queue: 'application-support', priority: 'P2', incidents: 2, acknowledged: 2, ackMedianSeconds: 240, ackP90Seconds: 600, resolved: 1, resolveMedianSeconds: 7200, resolveP90Seconds: 7200 },
      { queue: 'service-desk', priority: 'P4', incidents: 1, acknowledged: 0, ackMedianSeconds: null, ackP90Seconds: null, resolved: 0, resolveMedianSeconds: null, resolveP90Seconds: null },
    ]);
    expect(result.reroutes).toEqual({ total: 2, incidentsRerouted: 1, byPath: [{ from: 'service-desk', to: 'integration', count: 2 }] });
  });
});

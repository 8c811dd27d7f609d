import { bucketsOf } from './buckets.js';
import type { OutcomeIncident } from './outcomes.js';
import { weeksUntil } from './trends.service.js';
import { absorbedBetween, growthByIncident, openOverTime, startOfDay, startOfWeek, weeklyResponse, type ChildMinute } from './trends.js';

const T = (hhmm: string, day = 24) => new Date(`2026-11-${day}T${hhmm}:00.000Z`);
const HOUR = 3_600_000;

describe('openOverTime', () => {
  it('given incidents open across hours, counts per priority those open at any moment of each hour, P1–P4 always drawn', () => {
    const spans = [
      { priority: 'P1', openedAt: T('06:40'), resolvedAt: null },
      { priority: 'P3', openedAt: T('05:10'), resolvedAt: T('06:05') },
      { priority: 'P4', openedAt: T('06:55'), resolvedAt: null },
    ];

    const series = openOverTime(spans, bucketsOf(T('05:00'), T('07:30'), HOUR));

    expect(series.from).toBe(T('05:00').toISOString());
    expect(series.bucketSeconds).toBe(3600);
    expect(series.byPriority).toEqual([
      { priority: 'P1', active: [0, 1, 1] },
      { priority: 'P2', active: [0, 0, 0] },
      // Resolved at 06:05: open during the 06:00 hour too.
      { priority: 'P3', active: [1, 1, 0] },
      { priority: 'P4', active: [0, 1, 1] },
    ]);
  });

  it('keeps a priority outside P1–P4 as its own line, after them', () => {
    const series = openOverTime([{ priority: 'P9', openedAt: T('05:00'), resolvedAt: null }], bucketsOf(T('05:00'), T('06:00'), HOUR));

    expect(series.byPriority.map((p) => p.priority)).toEqual(['P1', 'P2', 'P3', 'P4', 'P9']);
    expect(series.byPriority.at(-1)?.active).toEqual([1]);
  });
});

describe('weeklyResponse', () => {
  const incident = (id: string, priority: string, openedAt: Date, ackMinutes: number | null, resolveMinutes: number | null): OutcomeIncident => ({
    id,
    priority,
    system: 'epic-hyperspace',
    queue: 'major-incident',
    origin: 'machine',
    openedAt,
    acknowledgedAt: ackMinutes === null ? null : new Date(openedAt.getTime() + ackMinutes * 60_000),
    resolvedAt: resolveMinutes === null ? null : new Date(openedAt.getTime() + resolveMinutes * 60_000),
    childCount: 1,
    reportChildren: 0,
  });

  it('given incidents over two weeks, each counts in the week it opened; medians of those acknowledged or resolved, null for none', () => {
    const weeks = [
      { start: T('00:00', 16), end: T('00:00', 23) },
      { start: T('00:00', 23), end: T('07:30', 24) },
    ];

    const series = weeklyResponse(
      [incident('a', 'P1', T('09:00', 17), 4, 40), incident('b', 'P1', T('09:00', 18), 6, null), incident('c', 'P1', T('06:40', 24), 12, null), incident('d', 'P3', T('05:10', 24), null, null)],
      weeks,
    );

    expect(series.bucketSeconds).toBe(7 * 86_400);
    expect(series.byPriority[0]).toEqual({ priority: 'P1', incidents: [2, 1], ackMedianSeconds: [240, 720], resolveMedianSeconds: [2400, null] });
    expect(series.byPriority[2]).toEqual({ priority: 'P3', incidents: [0, 1], ackMedianSeconds: [null, null], resolveMedianSeconds: [null, null] });
  });
});

describe('weeksUntil and the days they start on', () => {
  it('gives calendar weeks, Monday 00:00 local time, the last one ending now', () => {
    const now = T('07:30', 24);
    const weeks = weeksUntil(now, 3);

    expect(weeks).toHaveLength(3);
    for (const week of weeks) {
      expect(week.start.getDay()).toBe(1);
      expect([week.start.getHours(), week.start.getMinutes()]).toEqual([0, 0]);
    }
    expect(weeks[2]?.end).toEqual(now);
    expect(weeks[1]?.end).toEqual(weeks[2]?.start);
    expect(weeks[2]?.start).toEqual(startOfWeek(now));
    expect(startOfDay(now).getTime()).toBeLessThanOrEqual(now.getTime());
    expect(now.getTime() - startOfDay(now).getTime()).toBeLessThan(86_400_000);
  });
});

describe('growthByIncident', () => {
  const minute = (at: Date) => at.getTime() / 1000;

  it('given an outage that grew for 40 minutes, gives cumulative children and people from its first child to now', () => {
    const rows: ChildMinute[] = [
      { incidentId: 'ehr', minute: minute(T('06:40')), kind: 'alert', children: 1, newPeople: 0 },
      { incidentId: 'ehr', minute: minute(T('06:42')), kind: 'report', children: 3, newPeople: 3 },
      { incidentId: 'ehr', minute: minute(T('07:10')), kind: 'report', children: 2, newPeople: 1 },
    ];

    const growth = growthByIncident(rows, new Map([['ehr', T('06:40')], ['quiet', T('07:29')]]), T('07:30'), 10);

    const ehr = growth.get('ehr');
    expect(ehr?.kinds).toEqual(['alert', 'report']);
    expect(ehr?.growth.from).toBe(T('06:40').toISOString());
    // 50 minutes in buckets of 5.
    expect(ehr?.growth.bucketSeconds).toBe(300);
    expect(ehr?.growth.events).toEqual([4, 4, 4, 4, 4, 4, 6, 6, 6, 6]);
    expect(ehr?.growth.people).toEqual([3, 3, 3, 3, 3, 3, 4, 4, 4, 4]);
    // An incident without a child read yet still gets its (flat) line.
    expect(growth.get('quiet')).toEqual({ kinds: [], growth: { from: T('07:29').toISOString(), bucketSeconds: 60, events: [0], people: [0] } });
  });
});

describe('absorbedBetween', () => {
  it('counts every call that joined an incident in the range but the one that opened it, most first, none for none', () => {
    const from = T('00:00');
    const to = T('07:30');

    const absorbed = absorbedBetween(
      [
        { id: 'ehr', priority: 'P1', system: 'epic-hyperspace', origin: 'machine', openedAt: T('06:40'), reports: 24 },
        { id: 'wifi', priority: 'P3', system: 'wifi', origin: 'report', openedAt: T('06:00'), reports: 3 },
        // Opened by a call yesterday: today's calls all joined it.
        { id: 'old', priority: 'P2', system: 'pyxis', origin: 'report', openedAt: T('22:00', 23), reports: 2 },
        { id: 'one', priority: 'P4', system: 'printer', origin: 'report', openedAt: T('07:00'), reports: 1 },
      ],
      from,
      to,
    );

    expect(absorbed).toEqual([
      { id: 'ehr', priority: 'P1', system: 'epic-hyperspace', reportsAbsorbed: 24 },
      { id: 'old', priority: 'P2', system: 'pyxis', reportsAbsorbed: 2 },
      { id: 'wifi', priority: 'P3', system: 'wifi', reportsAbsorbed: 2 },
    ]);
  });
});

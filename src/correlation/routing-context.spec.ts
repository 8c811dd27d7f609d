import { evolve } from './evolve.js';
import { emptyState } from './incident.js';
import { onCallFor } from './oncall.js';
import { routeOf, withinCalendar } from './routing.js';
import { RuleError } from './rules.js';
import { signatureOf } from './signature.js';
import { aReport, at, testRules } from './test-events.js';

// Routing on context: who is asking (a role code, never the person), from which department, and
// when (a calendar per queue).
const rules = testRules({
  calendars: [
    { id: 'cal.pharmacy-day', version: 1, zone: 'America/Chicago', days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: '07:00-19:00', holidays: ['2026-12-25'] },
    { id: 'cal.night', version: 1, zone: 'Europe/Berlin', days: ['mon'], hours: '22:00-06:00' },
  ],
  routing: [
    { id: 'route.pharmacy-day', version: 1, when: { requesterRoles: ['pharmacist'], calendar: 'cal.pharmacy-day' }, queue: 'pharmacy-informatics' },
    { id: 'route.pharmacy-after-hours', version: 1, when: { requesterRoles: ['pharmacist'], outside: 'cal.pharmacy-day' }, queue: 'on-call-apps' },
    { id: 'route.ed', version: 1, when: { departments: ['ED'] }, queue: 'ed-desk' },
    { id: 'route.fallback', version: 1, queue: 'service-desk' },
  ],
});

function incidentFrom(report: ReturnType<typeof aReport>, now: Date) {
  const state = evolve(emptyState(signatureOf(report, rules)), { type: 'event', event: report, route: {} }, now, rules).state;
  if (state.status === 'none') throw new Error('no incident');
  return state.incident;
}

describe('routing on context', () => {
  // 2026-11-24 is a Tuesday; 07:00 UTC is 01:00 in Chicago.
  const tuesdayNoonChicago = new Date('2026-11-24T18:00:00Z');
  const tuesdayNightChicago = new Date('2026-11-25T04:00:00Z');

  it('routes by the requester’s role inside a queue’s hours, and elsewhere outside them', () => {
    const report = aReport('r1', 'cannot verify orders', { system: 'pharmacy-app', requester: { token: 'tok-1', role: 'Pharmacist' } });
    expect(routeOf(incidentFrom(report, tuesdayNoonChicago), rules, tuesdayNoonChicago).queue).toBe('pharmacy-informatics');
    expect(routeOf(incidentFrom(report, tuesdayNightChicago), rules, tuesdayNightChicago).queue).toBe('on-call-apps');
    // The incident keeps no one's identity for it: the role code is all.
    expect(incidentFrom(report, tuesdayNoonChicago).tally.roles).toEqual(['pharmacist']);
  });

  it('routes by department, whatever case the sender wrote it in', () => {
    const report = aReport('r2', 'tracking board blank', { system: 'ed-board', department: 'ed', facility: 'overlake' });
    expect(routeOf(incidentFrom(report, at(0)), rules, at(0)).queue).toBe('ed-desk');
  });

  it('reads a calendar in its own zone: days, hours, holidays, and hours over midnight', () => {
    const [day, night] = rules.calendars;
    if (!day || !night) throw new Error('calendars missing');
    expect(withinCalendar(day, tuesdayNoonChicago)).toBe(true);
    expect(withinCalendar(day, tuesdayNightChicago)).toBe(false);
    expect(withinCalendar(day, new Date('2026-11-28T18:00:00Z'))).toBe(false); // Saturday
    expect(withinCalendar(day, new Date('2026-12-25T18:00:00Z'))).toBe(false); // a holiday
    // Monday 22:00 to Tuesday 06:00 in Berlin: Tuesday 03:00 Berlin belongs to Monday's shift.
    expect(withinCalendar(night, new Date('2026-11-24T02:00:00Z'))).toBe(true);
    expect(withinCalendar(night, new Date('2026-11-24T06:00:00Z'))).toBe(false);
    expect(withinCalendar(night, new Date('2026-11-23T21:30:00Z'))).toBe(true);
  });

  it('refuses a calendar no rule defines, a bad zone and bad hours, naming each', () => {
    let problems: string[] = [];
    try {
      testRules({
        calendars: [{ id: 'cal.bad', version: 1, zone: 'Mars/Olympus', days: ['mon'], hours: '7-19' }],
        routing: [{ id: 'route.x', version: 1, when: { calendar: 'cal.missing' }, queue: 'x' }],
      });
    } catch (error) {
      problems = (error as RuleError).problems;
    }
    expect(problems.join('\n')).toMatch(/field "zone" must be an IANA time zone/);
    expect(problems.join('\n')).toMatch(/field "hours" must be a span/);
    expect(problems.join('\n')).toMatch(/names calendar "cal.missing", which no calendars rule defines/);
  });

  it('names who is on call for the queue on the ticket events that page, by a rotation handing over in its own zone', () => {
    const withRotation = testRules({
      oncall: [{ id: 'oncall.apps', version: 1, queues: ['application-support'], zone: 'America/Chicago', rotation: ['apps-a', 'apps-b', 'apps-c'], start: '2026-11-02', handoff: 'mon 08:00' }],
    });
    // Monday 2026-11-02 08:00 Chicago (14:00 UTC) is apps-a's first turn; a week later apps-b's.
    expect(onCallFor(withRotation.oncall, 'application-support', new Date('2026-11-02T14:00:00Z'))).toBe('apps-a');
    expect(onCallFor(withRotation.oncall, 'application-support', new Date('2026-11-09T13:59:00Z'))).toBe('apps-a');
    expect(onCallFor(withRotation.oncall, 'application-support', new Date('2026-11-09T14:00:00Z'))).toBe('apps-b');
    expect(onCallFor(withRotation.oncall, 'application-support', new Date('2026-11-24T18:00:00Z'))).toBe('apps-a');
    expect(onCallFor(withRotation.oncall, 'integration', new Date('2026-11-24T18:00:00Z'))).toBeUndefined();

    // The ticket opens after groupWait; its journal entry (the ticket event's details) names apps-a.
    const outage = { ...aReport('r3', 'Epic is down'), kind: 'alert' as const, system: 'epic-hyperspace', errorSignature: 'HTTP_503' };
    let state = evolve(emptyState(signatureOf(outage, withRotation)), { type: 'event', event: outage, route: {} }, new Date('2026-11-24T18:00:00Z'), withRotation);
    state = evolve(state.state, { type: 'tick' }, new Date('2026-11-24T18:05:00Z'), withRotation);
    const opened = state.effects.find((e) => e.type === 'journal' && e.entry.kind === 'ticket.opened');
    expect(opened?.type === 'journal' && opened.entry.data).toMatchObject({ onCall: 'apps-a' });
  });
});

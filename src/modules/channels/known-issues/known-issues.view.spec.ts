import { isPublic, localTime, toKnownIssue, type IssueRow } from './known-issues.view.js';

const NOW = new Date('2026-12-06T14:00:00Z');
const row = (overrides: Partial<IssueRow> = {}): IssueRow => ({
  id: '7d3f1c1e-0000-4000-8000-000000000001',
  status: 'open',
  origin: 'machine',
  priority: 'P1',
  queue: 'major-incident',
  system: 'epic',
  facilities: ['lakeside', 'overlake'],
  departments: ['4w'],
  firstSeen: new Date('2026-12-06T13:02:00Z'),
  resolvedAt: null,
  suppressedBy: null,
  distinctRequesters: 31,
  childCount: 60,
  patientImpact: true,
  context: null,
  note: null,
  ...overrides,
});
const options = { timeZone: 'America/Chicago', smallCount: 5, now: NOW, names: { system: (code: string) => (code === 'epic' ? 'Epic' : undefined), facility: (code: string) => (code === 'overlake' ? 'Overlake Medical Center' : undefined) } };

describe('known issues in plain words', () => {
  it('says the system, the sites, since when and how many people, in the ward’s time', () => {
    expect(toKnownIssue(row(), options)).toMatchObject({ affected: 'Epic at Lakeside and Overlake Medical Center', sinceLocal: '07:02', state: 'being worked on', reporters: 31, reported: '31 people have reported this', patientCare: true });
  });

  it('says "fewer than 5" below the threshold and "found by monitoring" with no reports', () => {
    expect(toKnownIssue(row({ distinctRequesters: 4 }), options)).toMatchObject({ reporters: null, reported: 'fewer than 5 people have reported this' });
    expect(toKnownIssue(row({ distinctRequesters: 0 }), options).reported).toBe('found by monitoring');
  });

  it('names states a clinician understands', () => {
    expect(toKnownIssue(row({ status: 'acknowledged' }), options).state).toBe('acknowledged by the team');
    expect(toKnownIssue(row({ status: 'flapping' }), options).state).toBe('intermittent');
    expect(toKnownIssue(row({ suppressedBy: 'maint.epic-upgrade@1' }), options).state).toBe('planned maintenance');
    expect(toKnownIssue(row({ status: 'resolved', resolvedAt: NOW }), options).state).toBe('fixed');
  });

  it('keeps off the page what is not the ward’s: merged incidents, privacy investigations, one person’s account', () => {
    expect(isPublic(row(), 5)).toBe(true);
    expect(isPublic(row({ status: 'merged' }), 5)).toBe(false);
    expect(isPublic(row({ queue: 'privacy-security' }), 5)).toBe(false);
    expect(isPublic(row({ origin: 'identity', distinctRequesters: 1 }), 5)).toBe(false);
    expect(isPublic(row({ origin: 'identity', distinctRequesters: 12 }), 5)).toBe(true);
  });

  it('gives the day when it is not today', () => {
    expect(localTime(new Date('2026-12-05T05:40:00Z'), NOW, 'America/Chicago')).toBe('Fri 4 Dec 23:40');
  });
});

/**
 * Trends for charts, as plain values: open incidents over time by priority, time to acknowledge and
 * to resolve per week by priority, each open incident's growth, and the calls each incident
 * absorbed. Rows in, series out; no database, no clock (instants are arguments).
 */
import { priorityRank } from './blast-radius.compute.js';
import type { Bucket, IncidentSpan } from './buckets.js';
import { percentile, type OutcomeIncident } from './outcomes.js';

/** The priorities every chart shows, even with nothing in them: an empty P1 line is news too. */
export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;

/** Buckets of one step from `from`; each point of a series is one bucket. */
export interface SeriesAxis {
  from: string;
  bucketSeconds: number;
}

export interface OpenOverTime extends SeriesAxis {
  /** Per priority: incidents open at any moment of each bucket. */
  byPriority: Array<{ priority: string; active: number[] }>;
}

/** The priorities to draw: P1–P4 always, then any other the rows hold, in rank order. */
function prioritiesOf(found: Iterable<string>): string[] {
  const all = new Set<string>([...PRIORITIES, ...found]);
  return [...all].sort((a, b) => priorityRank(a) - priorityRank(b) || a.localeCompare(b));
}

export function openOverTime(spans: IncidentSpan[], buckets: Bucket[]): OpenOverTime {
  const priorities = prioritiesOf(spans.map((s) => s.priority));
  const index = new Map(priorities.map((p, i) => [p, i]));
  const active = priorities.map(() => buckets.map(() => 0));
  for (const span of spans) {
    const row = active[index.get(span.priority) ?? 0];
    if (!row) continue;
    buckets.forEach((bucket, i) => {
      if (span.openedAt < bucket.end && (span.resolvedAt === null || span.resolvedAt > bucket.start)) row[i] = (row[i] ?? 0) + 1;
    });
  }
  return { ...axisOf(buckets), byPriority: priorities.map((priority, i) => ({ priority, active: active[i] ?? [] })) };
}

export interface WeeklyResponse extends SeriesAxis {
  /** Per priority and week (incidents opened that week): how many, and the medians of those acknowledged or resolved. */
  byPriority: Array<{ priority: string; incidents: number[]; ackMedianSeconds: Array<number | null>; resolveMedianSeconds: Array<number | null> }>;
}

const seconds = (from: Date, to: Date) => Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));

/** The outcome KPIs per week: every incident counts in the week it was opened. */
export function weeklyResponse(incidents: OutcomeIncident[], weeks: Bucket[]): WeeklyResponse {
  const priorities = prioritiesOf(incidents.map((i) => i.priority));
  const cells = priorities.map(() => weeks.map(() => ({ incidents: 0, ack: [] as number[], resolve: [] as number[] })));
  for (const incident of incidents) {
    const week = weeks.findIndex((w) => incident.openedAt >= w.start && incident.openedAt < w.end);
    const cell = cells[priorities.indexOf(incident.priority)]?.[week];
    if (!cell) continue;
    cell.incidents += 1;
    if (incident.acknowledgedAt) cell.ack.push(seconds(incident.openedAt, incident.acknowledgedAt));
    if (incident.resolvedAt) cell.resolve.push(seconds(incident.openedAt, incident.resolvedAt));
  }
  return {
    ...axisOf(weeks),
    byPriority: priorities.map((priority, p) => {
      const row = cells[p] ?? [];
      return {
        priority,
        incidents: row.map((c) => c.incidents),
        ackMedianSeconds: row.map((c) => percentile(c.ack, 50)),
        resolveMedianSeconds: row.map((c) => percentile(c.resolve, 50)),
      };
    }),
  };
}

/** What one incident's children were, per minute they were first seen (read-models.repository.ts `childMinutes`). */
export interface ChildMinute {
  incidentId: string;
  /** The minute, in seconds since the epoch. */
  minute: number;
  kind: string;
  children: number;
  /** People seen for the first time in this incident during this minute. */
  newPeople: number;
}

export interface Growth extends SeriesAxis {
  /** Children (alerts, reports, account events) at the end of each bucket, cumulative. */
  events: number[];
  /** Distinct people at the end of each bucket, cumulative. */
  people: number[];
}

export interface IncidentGrowth {
  /** Which kinds of child the incident holds (alert, report, identity, interface): its wording, never a count. */
  kinds: string[];
  growth: Growth;
}

/**
 * How each incident grew from its first child (or its opening) to `to`, in at most `points` buckets
 * of whole minutes: the sparkline next to it. Cumulative, so the last point is where it stands.
 */
export function growthByIncident(minutes: ChildMinute[], opened: ReadonlyMap<string, Date>, to: Date, points = 24): Map<string, IncidentGrowth> {
  const byIncident = new Map<string, ChildMinute[]>();
  for (const m of minutes) byIncident.set(m.incidentId, [...(byIncident.get(m.incidentId) ?? []), m]);
  const out = new Map<string, IncidentGrowth>();
  for (const [id, openedAt] of opened) {
    const rows = (byIncident.get(id) ?? []).sort((a, b) => a.minute - b.minute);
    const firstMinute = Math.min(Math.floor(openedAt.getTime() / 60_000) * 60, rows[0]?.minute ?? Infinity);
    const span = Math.max(60, Math.ceil(to.getTime() / 1000) - firstMinute);
    const step = Math.max(60, Math.ceil(span / points / 60) * 60);
    const count = Math.max(1, Math.ceil(span / step));
    const children = Array.from({ length: count }, () => 0);
    const people = Array.from({ length: count }, () => 0);
    for (const row of rows) {
      const i = Math.min(count - 1, Math.max(0, Math.floor((row.minute - firstMinute) / step)));
      children[i] = (children[i] ?? 0) + row.children;
      people[i] = (people[i] ?? 0) + row.newPeople;
    }
    out.set(id, {
      kinds: [...new Set(rows.map((r) => r.kind))].sort(),
      growth: { from: new Date(firstMinute * 1000).toISOString(), bucketSeconds: step, events: cumulative(children), people: cumulative(people) },
    });
  }
  return out;
}

/** Report children of one incident first seen in a range (read-models.repository.ts `reportsBetween`). */
export interface ReportsInRange {
  id: string;
  priority: string;
  system: string;
  origin: string;
  openedAt: Date;
  reports: number;
}

export interface Absorbed {
  id: string;
  priority: string;
  system: string;
  /** Calls in the range that joined this incident instead of becoming a ticket of their own. */
  reportsAbsorbed: number;
}

/**
 * Calls that did not become tickets, per incident, in [from, to): every report that joined it then,
 * but the one that opened it (that call is the incident's ticket). Most first.
 */
export function absorbedBetween(rows: ReportsInRange[], from: Date, to: Date): Absorbed[] {
  return rows
    .map((r) => ({
      id: r.id,
      priority: r.priority,
      system: r.system,
      reportsAbsorbed: Math.max(0, r.reports - (r.origin === 'report' && r.openedAt >= from && r.openedAt < to ? 1 : 0)),
    }))
    .filter((a) => a.reportsAbsorbed > 0)
    .sort((a, b) => b.reportsAbsorbed - a.reportsAbsorbed || priorityRank(a.priority) - priorityRank(b.priority) || a.id.localeCompare(b.id));
}

/** Midnight starting the day `at` falls in, in this process's time zone (TZ: the hospital's). */
export function startOfDay(at: Date): Date {
  const day = new Date(at.getTime());
  day.setHours(0, 0, 0, 0);
  return day;
}

/** Monday 00:00 of the week `at` falls in, in this process's time zone. */
export function startOfWeek(at: Date): Date {
  const day = startOfDay(at);
  day.setDate(day.getDate() - ((day.getDay() + 6) % 7));
  return day;
}

function axisOf(buckets: Bucket[]): SeriesAxis {
  const first = buckets[0];
  return { from: first ? first.start.toISOString() : '', bucketSeconds: first ? (first.end.getTime() - first.start.getTime()) / 1000 : 0 };
}

function cumulative(values: number[]): number[] {
  let total = 0;
  return values.map((v) => (total += v));
}

import { Injectable } from '@nestjs/common';
import { bucketsOf, type Bucket } from './buckets.js';
import { BlastRadiusReads } from './read-models.repository.js';
import { absorbedBetween, openOverTime, startOfDay, startOfWeek, weeklyResponse, type Absorbed, type ChildMinute, type OpenOverTime, type WeeklyResponse } from './trends.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The spans a chart of open incidents offers: the last 24 h by the hour, 7 days by 6 h, 30 days by the day. */
export const TREND_RANGES = ['day', 'week', 'month'] as const;
export type TrendRange = (typeof TREND_RANGES)[number];

/** Where a range's first bucket starts: on the hour, or at midnight (this process's time zone). */
function rangeStart(range: TrendRange, now: Date): { from: Date; step: number } {
  switch (range) {
    case 'day':
      return { from: new Date(Math.floor(now.getTime() / HOUR) * HOUR - 23 * HOUR), step: HOUR };
    case 'week':
      return { from: daysBefore(startOfDay(now), 6), step: 6 * HOUR };
    case 'month':
      return { from: daysBefore(startOfDay(now), 29), step: DAY };
    default:
      return range satisfies never;
  }
}

function daysBefore(day: Date, days: number): Date {
  const out = new Date(day.getTime());
  out.setDate(out.getDate() - days);
  return out;
}

/** `count` calendar weeks (Monday to Monday, local time) ending with the one `now` is in, which ends at `now`. */
export function weeksUntil(now: Date, count: number): Bucket[] {
  const thisWeek = startOfWeek(now);
  return Array.from({ length: count }, (_, i) => {
    const start = daysBefore(thisWeek, 7 * (count - 1 - i));
    const end = i === count - 1 ? now : daysBefore(thisWeek, 7 * (count - 2 - i));
    return { start, end };
  });
}

/** The series behind the dashboard's charts, from the same read models as the blast radius. */
@Injectable()
export class BlastRadiusTrends {
  constructor(private readonly reads: BlastRadiusReads) {}

  /** Open incidents by priority over each range asked for, from one read of the incidents open in the longest. */
  async openOverTime<R extends TrendRange>(ranges: readonly R[], now: Date): Promise<Record<R, OpenOverTime>> {
    const starts = ranges.map((range) => ({ range, ...rangeStart(range, now) }));
    const earliest = new Date(Math.min(...starts.map((s) => s.from.getTime())));
    const spans = await this.reads.spans(earliest, now);
    return Object.fromEntries(
      starts.map(({ range, from, step }) => [
        range,
        openOverTime(
          spans.filter((s) => s.resolvedAt === null || s.resolvedAt >= from),
          bucketsOf(from, now, step),
        ),
      ]),
    ) as Record<R, OpenOverTime>;
  }

  /** Median time to acknowledge and to resolve, per calendar week and priority, over the last `weeks` weeks. */
  async weeklyResponse(weeks: number, now: Date): Promise<WeeklyResponse> {
    const buckets = weeksUntil(now, weeks);
    const first = buckets[0];
    return weeklyResponse(first ? await this.reads.outcomeIncidents(first.start, now) : [], buckets);
  }

  /** These incidents' children per minute and kind, as they stand: `growthByIncident` (trends.ts) makes their curves. */
  childMinutes(ids: readonly string[]): Promise<ChildMinute[]> {
    return this.reads.childMinutes([...ids]);
  }

  /** Calls that joined an existing incident in [from, to), per incident, most first. */
  async absorbed(from: Date, to: Date): Promise<Absorbed[]> {
    return absorbedBetween(await this.reads.reportsBetween(from, to), from, to);
  }
}

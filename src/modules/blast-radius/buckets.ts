/**
 * Time buckets for ranges and growth curves: pure functions of the rows and the range asked for.
 */

export interface Bucket {
  start: Date;
  end: Date;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Steps a person reads without arithmetic; the automatic choice is the smallest giving ≤ 48 buckets. */
const NICE_STEPS = ['1m', '5m', '15m', '30m', '1h', '3h', '6h', '12h', '1d', '7d'].map((s) => parseStep(s) ?? 0);
export const MAX_BUCKETS = 1000;

/** "15m" → 900000; undefined for anything else (the DTO reports it). */
export function parseStep(text: string): number | undefined {
  const match = /^(\d{1,4})([smhd])$/.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  const ms = Number(match[1]) * (UNIT_MS[match[2]] ?? 0);
  return ms > 0 ? ms : undefined;
}

export function chooseStep(from: Date, to: Date, target = 48): number {
  const span = to.getTime() - from.getTime();
  return NICE_STEPS.find((step) => span / step <= target) ?? NICE_STEPS[NICE_STEPS.length - 1] ?? 86_400_000;
}

/** [from, to) cut into steps; the last bucket ends at `to` even when the step does not divide the span. */
export function bucketsOf(from: Date, to: Date, stepMs: number): Bucket[] {
  if (!(to.getTime() > from.getTime())) throw new RangeError('"to" must be after "from"');
  if (!(stepMs > 0)) throw new RangeError('the bucket step must be positive');
  const count = Math.ceil((to.getTime() - from.getTime()) / stepMs);
  if (count > MAX_BUCKETS) throw new RangeError(`${count} buckets asked for; at most ${MAX_BUCKETS}: use a larger bucket`);
  return Array.from({ length: count }, (_, i) => ({
    start: new Date(from.getTime() + i * stepMs),
    end: new Date(Math.min(to.getTime(), from.getTime() + (i + 1) * stepMs)),
  }));
}

/** Index of the bucket holding `at`, or -1 outside the range. */
export function bucketIndex(buckets: Bucket[], at: Date): number {
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  if (!first || !last || at < first.start || at >= last.end) return -1;
  const step = first.end.getTime() - first.start.getTime();
  return Math.min(buckets.length - 1, Math.floor((at.getTime() - first.start.getTime()) / step));
}

export interface IncidentSpan {
  priority: string;
  openedAt: Date;
  resolvedAt: Date | null;
}

export interface ChildBucketStats {
  childCount: number;
  requesters: number;
  facilities: number;
}

export interface RangeBucket {
  start: string;
  end: string;
  /** Incidents open at any moment of the bucket. */
  active: number;
  p1Active: number;
  opened: number;
  resolved: number;
  /** Events and reports that joined an incident in the bucket. */
  childCount: number;
  /** Distinct people who reported in the bucket. */
  requesters: number;
  /** Distinct facilities with a new event or report in the bucket. */
  facilities: number;
}

export function rangeBuckets(buckets: Bucket[], incidents: IncidentSpan[], children: Map<number, ChildBucketStats>): RangeBucket[] {
  return buckets.map((bucket, index) => {
    const active = incidents.filter((i) => i.openedAt < bucket.end && (i.resolvedAt === null || i.resolvedAt > bucket.start));
    const stats = children.get(index) ?? { childCount: 0, requesters: 0, facilities: 0 };
    return {
      start: bucket.start.toISOString(),
      end: bucket.end.toISOString(),
      active: active.length,
      p1Active: active.filter((i) => i.priority === 'P1').length,
      opened: incidents.filter((i) => i.openedAt >= bucket.start && i.openedAt < bucket.end).length,
      resolved: incidents.filter((i) => i.resolvedAt !== null && i.resolvedAt >= bucket.start && i.resolvedAt < bucket.end).length,
      ...stats,
    };
  });
}

export interface GrowthChild {
  firstSeen: Date;
  facility: string | null;
  requesterToken: string | null;
}

export interface GrowthBucket {
  start: string;
  end: string;
  newChildren: number;
  /** Facilities seen for the first time in this incident during the bucket (codes, not people). */
  newFacilities: string[];
  newRequesters: number;
  totalChildren: number;
  totalFacilities: number;
  totalRequesters: number;
}

/**
 * How one incident grew: per bucket, what was new to it. Children before the first bucket count
 * towards the totals (so the curve starts where the incident stood), never as new.
 */
export function growthOf(children: GrowthChild[], buckets: Bucket[]): GrowthBucket[] {
  const sorted = [...children].sort((a, b) => a.firstSeen.getTime() - b.firstSeen.getTime());
  const facilities = new Set<string>();
  const requesters = new Set<string>();
  let total = 0;
  let cursor = 0;
  const first = buckets[0];
  while (first && cursor < sorted.length && (sorted[cursor]?.firstSeen ?? first.start) < first.start) {
    const child = sorted[cursor++];
    if (!child) break;
    total += 1;
    if (child.facility) facilities.add(child.facility);
    if (child.requesterToken) requesters.add(child.requesterToken);
  }
  return buckets.map((bucket) => {
    let newChildren = 0;
    let newRequesters = 0;
    const newFacilities: string[] = [];
    while (cursor < sorted.length && (sorted[cursor]?.firstSeen ?? bucket.end) < bucket.end) {
      const child = sorted[cursor++];
      if (!child) break;
      newChildren += 1;
      if (child.facility && !facilities.has(child.facility)) {
        facilities.add(child.facility);
        newFacilities.push(child.facility);
      }
      if (child.requesterToken && !requesters.has(child.requesterToken)) {
        requesters.add(child.requesterToken);
        newRequesters += 1;
      }
    }
    total += newChildren;
    return {
      start: bucket.start.toISOString(),
      end: bucket.end.toISOString(),
      newChildren,
      newFacilities: newFacilities.sort(),
      newRequesters,
      totalChildren: total,
      totalFacilities: facilities.size,
      totalRequesters: requesters.size,
    };
  });
}

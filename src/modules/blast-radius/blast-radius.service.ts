import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '../../actors/clock.js';
import { InvalidInputError, NotFoundError } from '../http/domain-errors.js';
import { CLOCK } from '../runtime/tokens.js';
import { assembleBlastRadius, type BlastRadius, type IncidentBlast } from './blast-radius.compute.js';
import { LiveBlastRadius } from './blast-radius.live.js';
import { bucketsOf, chooseStep, growthOf, parseStep, rangeBuckets, type GrowthBucket, type RangeBucket } from './buckets.js';
import { outcomesOf, type Outcomes } from './outcomes.js';
import { BlastRadiusReads } from './read-models.repository.js';
import { clampText } from '../ingest/unicode.js';

export interface RangeQuery {
  from?: string;
  to?: string;
  bucket?: string;
}

export interface BlastRadiusQuery extends RangeQuery {
  at?: string;
  /** How many incidents to list (highest priority, oldest first); totals and aggregates always cover all. */
  limit?: number;
}

export const DEFAULT_LIMIT = 100;

export interface BlastRadiusRange {
  mode: 'range';
  from: string;
  to: string;
  bucketSeconds: number;
  totals: { incidents: number; opened: number; resolved: number; peakActive: number; p1: number; facilitiesAffected: number; peopleAffected: number };
  buckets: RangeBucket[];
  incidents: Array<{ id: string; priority: string; system: string; facilities: string[]; openedAt: string; resolvedAt: string | null }>;
}

export interface IncidentBlastRadius {
  at: string;
  incident: IncidentBlast;
  resolvedAt: string | null;
  growth: { from: string; to: string; bucketSeconds: number; buckets: GrowthBucket[] };
}

interface Cached {
  version: string;
  value: BlastRadius;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Blast radius now, at a past instant, or over a range, from the incident read models. "Now" is
 * asked for by every dashboard and wall screen, so it is cached per read-model version (a digest of
 * the active incidents' `xmin`s): a request costs that one read until the runtime writes again, on
 * this instance or any other. After a write only the incidents that changed are read and rebuilt
 * (`LiveBlastRadius`).
 */
@Injectable()
export class BlastRadiusService {
  private cached: Cached | undefined;
  private computing: { version: string; value: Promise<BlastRadius> } | undefined;
  private readonly live = new LiveBlastRadius();
  /** Refreshes of `live` run one after another: each takes in what changed since the one before. */
  private refreshed: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly reads: BlastRadiusReads,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  get(query: BlastRadiusQuery): Promise<BlastRadius | BlastRadiusRange> {
    if (query.at !== undefined) {
      if (query.from !== undefined || query.to !== undefined) throw new InvalidInputError('ask for either "at" or "from"/"to", not both');
      return this.at(instant(query.at, 'at')).then((value) => listing(value, query.limit ?? DEFAULT_LIMIT));
    }
    if (query.from !== undefined || query.to !== undefined) return this.range(query);
    return this.now(query.limit ?? DEFAULT_LIMIT);
  }

  async now(limit = DEFAULT_LIMIT): Promise<BlastRadius> {
    const cached = this.cached;
    const { version, active } = await this.reads.active(cached?.version);
    const now = this.clock.now();
    // No list comes back only when the version is still the cached answer's.
    if (!active) return withAges(listing((cached as Cached).value, limit), now);
    if (this.computing?.version !== version) {
      const value = this.refresh(active, now);
      this.computing = { version, value };
      value.then(
        (v) => {
          this.cached = { version, value: v };
        },
        // A failed computation is not kept: the next request tries again.
        () => {
          if (this.computing?.value === value) this.computing = undefined;
        },
      );
    }
    return withAges(listing(await this.computing.value, limit), now);
  }

  private refresh(active: Map<string, string>, now: Date): Promise<BlastRadius> {
    const value = this.refreshed.then(async () => {
      this.live.update(active, await this.reads.activeIncidents(this.live.stale(active)), now);
      return this.live.answer(now);
    });
    this.refreshed = value.catch(() => undefined);
    return value;
  }

  async at(at: Date): Promise<BlastRadius> {
    if (at > this.clock.now()) throw new InvalidInputError('"at" is in the future');
    return assembleBlastRadius({ mode: 'at', at, ...(await this.reads.at(at)) });
  }

  async range(query: RangeQuery): Promise<BlastRadiusRange> {
    const { from, to, step } = rangeOf(query, this.clock.now());
    const buckets = bucketsOrThrow(from, to, step);
    const [spans, children] = await Promise.all([this.reads.spans(from, to), this.reads.childBuckets(from, to, step)]);
    const series = rangeBuckets(buckets, spans, children);
    const whole = children.get(-1);
    return {
      mode: 'range',
      from: from.toISOString(),
      to: to.toISOString(),
      bucketSeconds: step / 1000,
      totals: {
        incidents: spans.length,
        opened: spans.filter((s) => s.openedAt >= from).length,
        resolved: spans.filter((s) => s.resolvedAt !== null && s.resolvedAt < to).length,
        peakActive: Math.max(0, ...series.map((b) => b.active)),
        p1: spans.filter((s) => s.priority === 'P1').length,
        facilitiesAffected: new Set(spans.flatMap((s) => s.facilities)).size,
        peopleAffected: whole?.requesters ?? 0,
      },
      buckets: series,
      incidents: spans
        .map((s) => ({ id: s.id, priority: s.priority, system: s.system, facilities: s.facilities, openedAt: s.openedAt.toISOString(), resolvedAt: s.resolvedAt?.toISOString() ?? null }))
        .sort((a, b) => a.priority.localeCompare(b.priority) || a.openedAt.localeCompare(b.openedAt)),
    };
  }

  async forIncident(id: string, query: RangeQuery): Promise<IncidentBlastRadius> {
    if (!UUID.test(id)) throw new InvalidInputError(`incident id must be a UUID, got "${clampText(id, 64)}"`);
    const found = await this.reads.incident(id);
    if (!found) throw new NotFoundError(`no incident ${id}`);
    const now = this.clock.now();
    const { row, children, parents } = found;
    const spread = [...groupBy(children, (c) => c.facility ?? '')].map(([facility, members]) => ({
      incidentId: id,
      facility: facility || null,
      departments: [...new Set(members.flatMap((m) => (m.department ? [m.department] : [])))],
      childCount: members.length,
      requesters: new Set(members.flatMap((m) => (m.requesterToken ? [m.requesterToken] : []))).size,
    }));
    const end = row.resolvedAt ?? now;
    const incident = assembleBlastRadius({ mode: 'now', at: end, incidents: [row], spread, parents, peopleAffected: row.distinctRequesters }).incidents[0];
    if (!incident) throw new NotFoundError(`no incident ${id}`);

    const earliest = children.reduce((min, c) => (c.firstSeen < min ? c.firstSeen : min), row.firstSeen);
    const { from, to, step } = rangeOf(
      { from: query.from ?? floorToMinute(earliest).toISOString(), to: query.to ?? new Date(Math.max(end.getTime(), earliest.getTime()) + 60_000).toISOString(), bucket: query.bucket },
      now,
    );
    return {
      at: end.toISOString(),
      incident,
      resolvedAt: row.resolvedAt?.toISOString() ?? null,
      growth: { from: from.toISOString(), to: to.toISOString(), bucketSeconds: step / 1000, buckets: growthOf(children, bucketsOrThrow(from, to, step)) },
    };
  }

  async outcomes(query: RangeQuery): Promise<Outcomes> {
    const { from, to } = rangeOf(query, this.clock.now());
    const [incidents, reroutes] = await Promise.all([this.reads.outcomeIncidents(from, to), this.reads.reroutes(from, to)]);
    return outcomesOf({ from, to }, incidents, reroutes);
  }
}

/** The first `limit` incidents; `moreIncidents` says how many were left out of the list (never out of the totals). */
export function listing(value: BlastRadius, limit: number): BlastRadius {
  return { ...value, incidents: value.incidents.slice(0, limit), moreIncidents: Math.max(0, value.incidents.length - limit) };
}

/** Ages move with the clock even when nothing was written: recomputed on every answer from the cache. */
export function withAges(value: BlastRadius, now: Date): BlastRadius {
  const age = (openedAt: string) => Math.max(0, Math.floor((now.getTime() - Date.parse(openedAt)) / 1000));
  const longest = value.totals.longestOpen;
  return {
    ...value,
    at: now.toISOString(),
    totals: { ...value.totals, longestOpen: longest ? { ...longest, ageSeconds: age(longest.openedAt) } : null },
    incidents: value.incidents.map((i) => ({ ...i, ageSeconds: age(i.openedAt) })),
  };
}

function instant(text: string, name: string): Date {
  const value = new Date(text);
  if (Number.isNaN(value.getTime())) throw new InvalidInputError(`"${name}" is not an ISO 8601 instant`);
  return value;
}

/** Defaults: the last 24 h up to now; the step chosen for about 48 buckets unless `bucket` says otherwise. */
export function rangeOf(query: RangeQuery, now: Date): { from: Date; to: Date; step: number } {
  const to = query.to !== undefined ? instant(query.to, 'to') : now;
  const from = query.from !== undefined ? instant(query.from, 'from') : new Date(to.getTime() - 86_400_000);
  if (!(to > from)) throw new InvalidInputError('"to" must be after "from"');
  const step = query.bucket !== undefined ? parseStep(query.bucket) : chooseStep(from, to);
  if (step === undefined) throw new InvalidInputError('"bucket" must look like 30s, 5m, 1h or 1d');
  return { from, to, step };
}

function bucketsOrThrow(from: Date, to: Date, step: number) {
  try {
    return bucketsOf(from, to, step);
  } catch (error) {
    throw new InvalidInputError((error as Error).message);
  }
}

function floorToMinute(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const group = out.get(key(item));
    if (group) group.push(item);
    else out.set(key(item), [item]);
  }
  return out;
}

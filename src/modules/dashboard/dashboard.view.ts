import { priorityRank, type BlastRadius } from '../blast-radius/blast-radius.compute.js';
import type { Outcomes } from '../blast-radius/outcomes.js';
import type { Absorbed, IncidentGrowth, OpenOverTime, WeeklyResponse } from '../blast-radius/trends.js';
import type { DashboardFrame, FrameFacility } from './browser/frame.js';
import type { DisplayNames } from './site-names.js';

export type { DashboardFrame, FreshnessFrame } from './browser/frame.js';

/** Sized for a wall screen and a quick SSE push, not the whole API answer. */
export const LIMITS = { incidents: 40, facilities: 48, systemsPerFacility: 6, absorbed: 12, responseTimes: 12 };

/** Everything one frame is drawn from, read by DashboardReads. */
export interface FrameSources {
  /** Now, with at most `LIMITS.incidents` listed (totals and facilities cover all). */
  blast: BlastRadius;
  /** Growth of each listed incident. */
  growth: ReadonlyMap<string, IncidentGrowth>;
  today: { from: Date; absorbed: Absorbed[] };
  openOverTime: { day: OpenOverTime; week: OpenOverTime; month: OpenOverTime };
  weekly: WeeklyResponse;
  /** Outcomes of the incidents opened in the last 7 days. */
  week: Outcomes;
  names: DisplayNames;
  /** CORRAL_SMALL_COUNT_THRESHOLD: counts under it are ranked alike (see `rankOf`). */
  smallCount: number;
}

const byPriority = <T extends { priority: string }>(a: T, b: T) => priorityRank(a.priority) - priorityRank(b.priority);

/**
 * A people count as a list is ordered by it: itself, or, from 1 to smallCount − 1, one rank for all.
 * Leadership reads those as "<5", and an order by their true values would tell them apart: four of
 * them in a strict order are 4, 3, 2 and 1. Shown in the same order to every role, so the frame
 * stays one for all screens.
 */
const rankOf = (count: number, smallCount: number) => (count > 0 && count < smallCount ? smallCount - 0.5 : count);

/** The frame: pure, sources in, frame out. Readable names come from the rules first, then enrichment. */
export function dashboardFrame(sources: FrameSources, limits = LIMITS): DashboardFrame {
  const { blast, names } = sources;
  const systemName = (code: string) => names.system(code) ?? null;
  const facilityName = (code: string, fromDirectory: string | null) => names.facility(code) ?? fromDirectory;
  const listed = blast.incidents.slice(0, limits.incidents);
  const absorbed = sources.today.absorbed;
  const rank = (count: number) => rankOf(count, sources.smallCount);
  return {
    at: blast.at,
    totals: blast.totals,
    today: {
      from: sources.today.from.toISOString(),
      reportsAbsorbed: absorbed.reduce((sum, a) => sum + a.reportsAbsorbed, 0),
      // The most calls first (absorbedBetween's order picks them), small counts by priority and id.
      byIncident: absorbed
        .slice(0, limits.absorbed)
        .sort((a, b) => rank(b.reportsAbsorbed) - rank(a.reportsAbsorbed) || byPriority(a, b) || a.id.localeCompare(b.id))
        .map((a) => ({ id: a.id, priority: a.priority, system: a.system, systemName: systemName(a.system), reportsAbsorbed: a.reportsAbsorbed })),
    },
    incidents: listed.map((i) => {
      const growth = sources.growth.get(i.id);
      return {
        id: i.id,
        priority: i.priority,
        status: i.status,
        system: i.system,
        systemName: systemName(i.system),
        dependsOn: i.dependsOn.map((d) => ({ system: d.system, name: systemName(d.system) })),
        queue: i.queue,
        // Most people first, as the blast radius lists them, but small counts by code.
        facilities: [...i.facilities]
          .sort((a, b) => rank(b.requesters) - rank(a.requesters) || a.facility.localeCompare(b.facility))
          .map((f) => ({ facility: f.facility, name: facilityName(f.facility, f.name), departments: f.departments, requesters: f.requesters })),
        kinds: growth?.kinds ?? [],
        childCount: i.childCount,
        distinctRequesters: i.distinctRequesters,
        patientImpact: i.patientImpact,
        openedAt: i.openedAt,
        ageSeconds: i.ageSeconds,
        growth: growth?.growth ?? { from: i.openedAt, bucketSeconds: 60, events: [i.childCount], people: [i.distinctRequesters] },
      };
    }),
    moreIncidents: Math.max(0, blast.totals.incidents - listed.length),
    facilities: facilitiesOf(blast, names, limits),
    moreFacilities: Math.max(0, blast.facilities.length - limits.facilities),
    openOverTime: sources.openOverTime,
    weekly: sources.weekly,
    week: {
      from: sources.week.from,
      to: sources.week.to,
      incidents: sources.week.incidents,
      automatic: sources.week.origin.automatic,
      manual: sources.week.origin.manual,
      automaticShare: sources.week.origin.automaticShare,
      reportsAbsorbed: sources.week.absorbed.reports,
      eventsAbsorbed: sources.week.absorbed.events,
      absorbedBy: [...sources.week.absorbed.top]
        .sort((a, b) => rank(b.reportsAbsorbed) - rank(a.reportsAbsorbed) || rank(b.eventsAbsorbed) - rank(a.eventsAbsorbed) || a.id.localeCompare(b.id))
        .map((a) => ({ reportsAbsorbed: a.reportsAbsorbed, eventsAbsorbed: a.eventsAbsorbed })),
      reroutes: sources.week.reroutes.total,
      responseTimes: [...sources.week.responseTimes].sort((a, b) => byPriority(a, b) || b.incidents - a.incidents).slice(0, limits.responseTimes),
    },
  };
}

/** Each affected site with its worst priority and its systems, worst first (blast radius order). */
function facilitiesOf(blast: BlastRadius, names: DisplayNames, limits: typeof LIMITS): FrameFacility<number>[] {
  const cells = new Map<string, BlastRadius['grid']>();
  for (const cell of blast.grid) cells.set(cell.facility, [...(cells.get(cell.facility) ?? []), cell]);
  return blast.facilities.slice(0, limits.facilities).map((f) => {
    const systems = (cells.get(f.facility) ?? []).sort((a, b) => priorityRank(a.worstPriority) - priorityRank(b.worstPriority) || b.incidents - a.incidents);
    return {
      code: f.facility,
      name: names.facility(f.facility) ?? f.name,
      worstPriority: f.worstPriority,
      incidents: f.incidents,
      requesters: f.requesters,
      systems: systems.slice(0, limits.systemsPerFacility).map((c) => ({ system: c.system, name: names.system(c.system) ?? null, worstPriority: c.worstPriority })),
      moreSystems: Math.max(0, systems.length - limits.systemsPerFacility),
    };
  });
}

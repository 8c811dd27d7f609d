import { priorityRank, type BlastRadius } from '../blast-radius/blast-radius.compute.js';
import type { BlastRadiusRange } from '../blast-radius/blast-radius.service.js';
import type { Outcomes } from '../blast-radius/outcomes.js';
import type { Freshness } from '../inbox/inbox.service.js';

/**
 * What one dashboard frame carries: sized for a wall screen and a quick SSE push, not the whole
 * API answer. Pure: blast radius, 24 h range and outcomes in, the frame out.
 */
export interface DashboardFrame {
  at: string;
  totals: BlastRadius['totals'];
  incidents: Array<{
    id: string;
    priority: string;
    status: string;
    system: string;
    dependsOn: string[];
    queue: string | null;
    facilities: Array<{ facility: string; name: string | null; departments: string[]; requesters: number }>;
    childCount: number;
    distinctRequesters: number;
    patientImpact: boolean;
    openedAt: string;
    ageSeconds: number;
  }>;
  moreIncidents: number;
  grid: { facilities: Array<{ code: string; name: string | null }>; systems: string[]; cells: BlastRadius['grid']; moreFacilities: number; moreSystems: number };
  timeline: { from: string; to: string; bucketSeconds: number; buckets: Array<{ start: string; active: number; p1Active: number; opened: number; resolved: number; requesters: number }> };
  outcomes: {
    from: string;
    to: string;
    incidents: number;
    automatic: number;
    manual: number;
    automaticShare: number | null;
    reportsAbsorbed: number;
    eventsAbsorbed: number;
    reroutes: number;
    responseTimes: Outcomes['responseTimes'];
  };
  /** How fresh the frame's figures are (read before they were); absent with CORRAL_CLUSTER=on. */
  asOf?: Freshness;
}

/** Between frames, once a second when it changed: how far correlation has come and what waits (dashboard.stream.ts). */
export type FreshnessFrame = Required<Pick<DashboardFrame, 'asOf'>>;

export const LIMITS = { incidents: 40, facilities: 16, systems: 12, responseTimes: 8 };

export function dashboardFrame(blast: BlastRadius, timeline: BlastRadiusRange, outcomes: Outcomes, limits = LIMITS): DashboardFrame {
  // The grid's rows and columns: worst priority first, then the most incidents; the rest are counted, not drawn.
  const facilities = blast.facilities.slice(0, limits.facilities);
  const systems = blast.systems.slice(0, limits.systems);
  const shownF = new Set(facilities.map((f) => f.facility));
  const shownS = new Set(systems.map((s) => s.system));
  return {
    at: blast.at,
    totals: blast.totals,
    incidents: blast.incidents.slice(0, limits.incidents).map((i) => ({
      id: i.id,
      priority: i.priority,
      status: i.status,
      system: i.system,
      dependsOn: i.dependsOn.map((d) => d.system),
      queue: i.queue,
      facilities: i.facilities.map((f) => ({ facility: f.facility, name: f.name, departments: f.departments, requesters: f.requesters })),
      childCount: i.childCount,
      distinctRequesters: i.distinctRequesters,
      patientImpact: i.patientImpact,
      openedAt: i.openedAt,
      ageSeconds: i.ageSeconds,
    })),
    moreIncidents: Math.max(0, blast.totals.incidents - Math.min(limits.incidents, blast.incidents.length)),
    grid: {
      facilities: facilities.map((f) => ({ code: f.facility, name: f.name })),
      systems: systems.map((s) => s.system),
      cells: blast.grid.filter((c) => shownF.has(c.facility) && shownS.has(c.system)),
      moreFacilities: Math.max(0, blast.facilities.length - facilities.length),
      moreSystems: Math.max(0, blast.systems.length - systems.length),
    },
    timeline: {
      from: timeline.from,
      to: timeline.to,
      bucketSeconds: timeline.bucketSeconds,
      buckets: timeline.buckets.map((b) => ({ start: b.start, active: b.active, p1Active: b.p1Active, opened: b.opened, resolved: b.resolved, requesters: b.requesters })),
    },
    outcomes: {
      from: outcomes.from,
      to: outcomes.to,
      incidents: outcomes.incidents,
      automatic: outcomes.origin.automatic,
      manual: outcomes.origin.manual,
      automaticShare: outcomes.origin.automaticShare,
      reportsAbsorbed: outcomes.absorbed.reports,
      eventsAbsorbed: outcomes.absorbed.events,
      reroutes: outcomes.reroutes.total,
      responseTimes: [...outcomes.responseTimes].sort((a, b) => priorityRank(a.priority) - priorityRank(b.priority) || b.incidents - a.incidents).slice(0, limits.responseTimes),
    },
  };
}

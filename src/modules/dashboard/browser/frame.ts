/**
 * What one dashboard frame carries, shared by the server (dashboard.view.ts builds it,
 * dashboard.disclosure.ts says which of its numbers are people counts) and the browser (which draws
 * it). Types only: this file imports nothing, so both compilers can read it.
 *
 * `People` is how a count of people (or of what they sent) arrives: a number from the server's
 * builder, `number | string` in a leadership browser, where a small count reads "<5" and one that
 * would give a small count back reads "suppressed" (dashboard.disclosure.ts).
 */

/** Series over buckets of one step from `from` (ISO 8601): point i covers [from + i·step, from + (i+1)·step). */
export interface SeriesAxis {
  from: string;
  bucketSeconds: number;
}

export interface OpenSeries extends SeriesAxis {
  /** Per priority (P1–P4 always): incidents open at any moment of each bucket. */
  byPriority: Array<{ priority: string; active: number[] }>;
}

export interface WeeklySeries extends SeriesAxis {
  /** Per priority and calendar week (incidents opened that week; the last week runs to now). */
  byPriority: Array<{ priority: string; incidents: number[]; ackMedianSeconds: Array<number | null>; resolveMedianSeconds: Array<number | null> }>;
}

export interface FrameTotals<People> {
  incidents: number;
  facilitiesAffected: number;
  peopleAffected: People;
  p1: number;
  patientImpact: number;
  longestOpen: { id: string; priority: string; system: string; openedAt: string; ageSeconds: number } | null;
}

export interface FrameIncident<People> {
  id: string;
  priority: string;
  status: string;
  /** The code corral keeps, and what people call it (the first of its rule's `names`), if the rules say. */
  system: string;
  systemName: string | null;
  dependsOn: Array<{ system: string; name: string | null }>;
  queue: string | null;
  /** Readable name: the facility rule's `name`, else the EHR directory's (enrichment), else none. */
  facilities: Array<{ facility: string; name: string | null; departments: string[]; requesters: People }>;
  /** Which kinds of child it holds (alert, interface, report, identity): how to word its count. */
  kinds: string[];
  childCount: People;
  distinctRequesters: People;
  patientImpact: boolean;
  openedAt: string;
  ageSeconds: number;
  /**
   * Its growth from its first child to now, cumulative: the sparkline (as /v1/incidents/{id}/blast-radius
   * counts it). Read at most every few seconds (dashboard.reads.ts), so it may trail `childCount`.
   * Leadership's: events (its reports and alerts) rounded down to a multiple of the threshold, and no people (an empty list).
   */
  growth: SeriesAxis & { events: People[]; people: People[] };
}

export interface FrameFacility<People> {
  code: string;
  name: string | null;
  worstPriority: string;
  incidents: number;
  requesters: People;
  /** Its affected systems, worst first. */
  systems: Array<{ system: string; name: string | null; worstPriority: string }>;
  moreSystems: number;
}

export interface ResponseRow {
  queue: string;
  priority: string;
  incidents: number;
  acknowledged: number;
  ackMedianSeconds: number | null;
  ackP90Seconds: number | null;
  resolved: number;
  resolveMedianSeconds: number | null;
  resolveP90Seconds: number | null;
}

export interface DashboardFrame<People = number> {
  at: string;
  totals: FrameTotals<People>;
  /** Since midnight (the server's time zone): calls that joined an existing incident instead of becoming a ticket. */
  today: { from: string; reportsAbsorbed: People; byIncident: Array<{ id: string; priority: string; system: string; systemName: string | null; reportsAbsorbed: People }> };
  incidents: Array<FrameIncident<People>>;
  moreIncidents: number;
  facilities: Array<FrameFacility<People>>;
  moreFacilities: number;
  openOverTime: { day: OpenSeries; week: OpenSeries; month: OpenSeries };
  /** Time to acknowledge and to resolve, per week: the outcome KPIs. */
  weekly: WeeklySeries;
  /** The last 7 days' outcomes (incidents opened in them): the morning huddle's sheet. */
  week: {
    from: string;
    to: string;
    incidents: number;
    automatic: number;
    manual: number;
    automaticShare: number | null;
    reportsAbsorbed: People;
    eventsAbsorbed: People;
    /**
     * The parts of those two totals: the incidents that absorbed the most (GET /v1/metrics/outcomes
     * `absorbed.top`, same range). Not drawn: listed so that leadership's copy withholds a total a
     * small part could be worked out from, here or beside that answer.
     */
    absorbedBy: Array<{ reportsAbsorbed: People; eventsAbsorbed: People }>;
    reroutes: number;
    responseTimes: ResponseRow[];
  };
  /** How fresh the frame's figures are (read before they were); absent with CORRAL_CLUSTER=on. */
  asOf?: AsOf;
}

/** The server's inbox freshness: an inbox position, when it was correlated, and what waits. */
export interface AsOf {
  position: number;
  at: string;
  pending: number;
}

/** Between frames, once a second when it changed: how far correlation has come and what waits. */
export interface FreshnessFrame {
  asOf: AsOf;
}

import type { MessageEvent } from '@nestjs/common';
import { EXACT, PEOPLE, ROUNDED, totalOf, WITHHELD, type Disclosure } from '../blast-radius/suppression.js';
import type { DashboardFrame, OpenSeries, ResponseRow } from './browser/frame.js';

// What each number of a dashboard frame is, for leadership's copy (suppression.ts): the compiler asks
// for every one, so a figure added to the frame does not compile until someone decided. Counts of
// incidents, facilities, priorities and seconds are exact; counts of people, and of what they sent
// (reports, account events, and the children that include them), are suppressed under the threshold.
// A frame also lists totals beside their parts and curves point by point, and a difference must not
// give back what suppression hid: each total names its parts (`totalOf`), the curves are rounded or
// withheld (below).

const RESPONSE_TIMES: Disclosure<ResponseRow> = {
  incidents: EXACT,
  acknowledged: EXACT,
  ackMedianSeconds: EXACT,
  ackP90Seconds: EXACT,
  resolved: EXACT,
  resolveMedianSeconds: EXACT,
  resolveP90Seconds: EXACT,
};

const OPEN_SERIES: Disclosure<OpenSeries> = { bucketSeconds: EXACT, byPriority: { active: EXACT } };

export const DASHBOARD_FRAME: Disclosure<DashboardFrame> = {
  totals: {
    incidents: EXACT,
    facilitiesAffected: EXACT,
    // Distinct people: every listed incident's count and every facility's are parts of it (27 beside
    // an incident's 24 gives the other incident's 3 back).
    peopleAffected: totalOf('../incidents.distinctRequesters', '../facilities.requesters'),
    p1: EXACT,
    patientImpact: EXACT,
    longestOpen: { ageSeconds: EXACT },
  },
  // Today's calls: the sum over every incident, the 12 most listed.
  today: { reportsAbsorbed: totalOf('byIncident.reportsAbsorbed'), byIncident: { reportsAbsorbed: PEOPLE } },
  incidents: {
    dependsOn: {},
    facilities: { requesters: PEOPLE },
    childCount: PEOPLE,
    distinctRequesters: totalOf('facilities.requesters'),
    ageSeconds: EXACT,
    // Cumulative curves, whose steps are counts too. Children (what people and machines sent) are
    // rounded down to a multiple of the threshold (suppression.ts ROUNDED), so the curve keeps its
    // shape. People are withheld: a person is also counted in the incident's total and spread, which
    // may be suppressed (above), and a rounded point beside them could still pin one (21 at Overlake
    // and Bellevue, a last point of 25: Kirkland's "<5" is 4).
    growth: { bucketSeconds: EXACT, events: ROUNDED, people: WITHHELD },
  },
  moreIncidents: EXACT,
  // A facility's people: the sum over the incidents there, each listed with its people at that facility.
  facilities: { incidents: EXACT, requesters: totalOf('../incidents.facilities[facility=code].requesters'), systems: {}, moreSystems: EXACT },
  moreFacilities: EXACT,
  openOverTime: { day: OPEN_SERIES, week: OPEN_SERIES, month: OPEN_SERIES },
  weekly: { bucketSeconds: EXACT, byPriority: { incidents: EXACT, ackMedianSeconds: EXACT, resolveMedianSeconds: EXACT } },
  week: {
    incidents: EXACT,
    automatic: EXACT,
    manual: EXACT,
    automaticShare: EXACT,
    reportsAbsorbed: totalOf('absorbedBy.reportsAbsorbed'),
    eventsAbsorbed: totalOf('absorbedBy.eventsAbsorbed'),
    absorbedBy: { reportsAbsorbed: PEOPLE, eventsAbsorbed: PEOPLE },
    reroutes: EXACT,
    responseTimes: RESPONSE_TIMES,
  },
  // How fresh the figures are: inbox positions and the count of events waiting, all sources together.
  asOf: { position: EXACT, pending: EXACT },
};

// A `freshness` event's data is a frame's `asOf` alone (FreshnessFrame): the frame's schema covers it.
export const DASHBOARD_EVENT: Disclosure<Omit<MessageEvent, 'data'> & { data: DashboardFrame }> = { data: DASHBOARD_FRAME, retry: EXACT };

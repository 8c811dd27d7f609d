import type { MessageEvent } from '@nestjs/common';
import { EXACT, PEOPLE, ROUNDED, WITHHELD, type Disclosure } from '../blast-radius/suppression.js';
import type { DashboardFrame, OpenSeries, ResponseRow } from './browser/frame.js';

// What each number of a dashboard frame is, for leadership's copy (suppression.ts): the compiler asks
// for every one, so a figure added to the frame does not compile until someone decided. Counts of
// incidents, facilities, priorities and seconds are exact; counts of people, and of what they sent
// (reports, account events, and the children that include them), are suppressed under the threshold.
// Totals follow the rule of every leadership answer (auth/role-views.ts): small groups are hidden,
// not the size of the outage. A total beside its parts can give a suppressed part back by
// subtraction; GET /v1/blast-radius and /v1/metrics/outcomes give leadership the same totals beside
// the same parts, so withholding them here alone would protect nothing and cost the headline figure.
// Closing that is secondary suppression across every leadership answer (not built; `totalOf` in
// suppression.ts is its start). What only the frame has is closed here: the curves are rounded or
// withheld, and counts under the threshold rank alike in every list (dashboard.view.ts).

/** Response times by queue and priority: counts of incidents and seconds (role-views.ts uses it for the outcomes answer too). */
export const RESPONSE_TIMES: Disclosure<ResponseRow> = {
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
    peopleAffected: PEOPLE,
    p1: EXACT,
    patientImpact: EXACT,
    longestOpen: { ageSeconds: EXACT },
  },
  today: { reportsAbsorbed: PEOPLE, byIncident: { reportsAbsorbed: PEOPLE } },
  incidents: {
    dependsOn: {},
    facilities: { requesters: PEOPLE },
    childCount: PEOPLE,
    distinctRequesters: PEOPLE,
    ageSeconds: EXACT,
    // Cumulative curves, whose steps are counts too. Children (what people and machines sent) are
    // rounded down to a multiple of the threshold (suppression.ts ROUNDED), so the curve keeps its
    // shape. People are withheld: a person is also counted in the incident's total and spread, which
    // may be suppressed, and a rounded point beside them could still pin one (21 at Overlake and
    // Bellevue, a last point of 25: Kirkland's "<5" is 4).
    growth: { bucketSeconds: EXACT, events: ROUNDED, people: WITHHELD },
  },
  moreIncidents: EXACT,
  facilities: { incidents: EXACT, requesters: PEOPLE, systems: {}, moreSystems: EXACT },
  moreFacilities: EXACT,
  openOverTime: { day: OPEN_SERIES, week: OPEN_SERIES, month: OPEN_SERIES },
  weekly: { bucketSeconds: EXACT, byPriority: { incidents: EXACT, ackMedianSeconds: EXACT, resolveMedianSeconds: EXACT } },
  week: {
    incidents: EXACT,
    automatic: EXACT,
    manual: EXACT,
    automaticShare: EXACT,
    reportsAbsorbed: PEOPLE,
    eventsAbsorbed: PEOPLE,
    absorbedBy: { reportsAbsorbed: PEOPLE, eventsAbsorbed: PEOPLE },
    reroutes: EXACT,
    responseTimes: RESPONSE_TIMES,
  },
  // How fresh the figures are: inbox positions and the count of events waiting, all sources together.
  asOf: { position: EXACT, pending: EXACT },
};

// A `freshness` event's data is a frame's `asOf` alone (FreshnessFrame): the frame's schema covers it.
export const DASHBOARD_EVENT: Disclosure<Omit<MessageEvent, 'data'> & { data: DashboardFrame }> = { data: DASHBOARD_FRAME, retry: EXACT };

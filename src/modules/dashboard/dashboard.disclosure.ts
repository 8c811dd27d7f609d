import type { MessageEvent } from '@nestjs/common';
import { EXACT, PEOPLE, type Disclosure } from '../blast-radius/suppression.js';
import type { DashboardFrame, OpenSeries, ResponseRow } from './browser/frame.js';

// What each number of a dashboard frame is, for leadership's copy (suppression.ts): the compiler asks
// for every one, so a figure added to the frame does not compile until someone decided. Counts of
// incidents, facilities, priorities and seconds are exact; counts of people, and of what they sent
// (reports, account events, and the children that include them), are suppressed under the threshold.

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
  totals: { incidents: EXACT, facilitiesAffected: EXACT, peopleAffected: PEOPLE, p1: EXACT, patientImpact: EXACT, longestOpen: { ageSeconds: EXACT } },
  today: { reportsAbsorbed: PEOPLE, byIncident: { reportsAbsorbed: PEOPLE } },
  incidents: {
    dependsOn: {},
    facilities: { requesters: PEOPLE },
    childCount: PEOPLE,
    distinctRequesters: PEOPLE,
    ageSeconds: EXACT,
    // Every point of a growth curve is a count of children or people as it stood then.
    growth: { bucketSeconds: EXACT, children: PEOPLE, people: PEOPLE },
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
    reroutes: EXACT,
    responseTimes: RESPONSE_TIMES,
  },
  // How fresh the figures are: inbox positions and the count of events waiting, all sources together.
  asOf: { position: EXACT, pending: EXACT },
};

// A `freshness` event's data is a frame's `asOf` alone (FreshnessFrame): the frame's schema covers it.
export const DASHBOARD_EVENT: Disclosure<Omit<MessageEvent, 'data'> & { data: DashboardFrame }> = { data: DASHBOARD_FRAME, retry: EXACT };

/** Examples for the OpenAPI description (as leadership sees them: people counts under 5 suppressed). */

const incident = {
  id: '0b9f8c1e-6f1a-4c1e-9a35-3f5a1d2e7c11',
  priority: 'P1',
  status: 'open',
  system: 'epic-adt',
  dependsOn: [],
  queue: 'major-incident',
  facilities: [
    { facility: 'overlake', name: 'Overlake Medical Center', departments: ['ed', 'icu'], childCount: 22, requesters: 15 },
    { facility: 'bellevue', name: null, departments: ['ed'], childCount: 12, requesters: 9 },
    { facility: 'kirkland', name: null, departments: ['lab'], childCount: 3, requesters: '<5' },
  ],
  departments: ['ed', 'icu', 'lab'],
  childCount: 37,
  distinctRequesters: 27,
  patientImpact: true,
  openedAt: '2026-11-24T07:00:04.000Z',
  firstSeen: '2026-11-24T07:00:00.000Z',
  lastSeen: '2026-11-24T07:41:12.000Z',
  ageSeconds: 2636,
};

export const BLAST_RADIUS_EXAMPLE = {
  mode: 'now',
  at: '2026-11-24T07:44:00.000Z',
  totals: {
    incidents: 2,
    facilitiesAffected: 3,
    peopleAffected: 29,
    p1: 1,
    patientImpact: 1,
    longestOpen: { id: incident.id, priority: 'P1', system: 'epic-adt', openedAt: incident.openedAt, ageSeconds: 2636 },
  },
  incidents: [
    incident,
    {
      ...incident,
      id: '6d2c0a52-2f0e-4b8e-8d7f-1c9e0a4b5d22',
      priority: 'P3',
      system: 'lab-interface',
      dependsOn: [{ id: incident.id, system: 'epic-adt', status: 'open' }],
      queue: 'integration',
      facilities: [{ facility: 'overlake', name: null, departments: ['lab'], childCount: 6, requesters: '<5' }],
      departments: ['lab'],
      childCount: 6,
      distinctRequesters: '<5',
      patientImpact: false,
      ageSeconds: 1800,
    },
  ],
  moreIncidents: 0,
  facilities: [{ facility: 'overlake', name: 'Overlake Medical Center', incidents: 2, requesters: 17, worstPriority: 'P1' }],
  systems: [
    { system: 'epic-adt', incidents: 1, dependsOn: [], worstPriority: 'P1' },
    { system: 'lab-interface', incidents: 1, dependsOn: ['epic-adt'], worstPriority: 'P3' },
  ],
  queues: [
    { queue: 'integration', incidents: 1 },
    { queue: 'major-incident', incidents: 1 },
  ],
  grid: [{ facility: 'overlake', system: 'epic-adt', incidents: 1, requesters: 15, worstPriority: 'P1' }],
};

export const BLAST_RADIUS_RANGE_EXAMPLE = {
  mode: 'range',
  from: '2026-11-24T06:00:00.000Z',
  to: '2026-11-24T09:00:00.000Z',
  bucketSeconds: 3600,
  totals: { incidents: 3, opened: 3, resolved: 1, peakActive: 3, p1: 1, facilitiesAffected: 3, peopleAffected: 40 },
  buckets: [
    { start: '2026-11-24T06:00:00.000Z', end: '2026-11-24T07:00:00.000Z', active: 0, p1Active: 0, opened: 0, resolved: 0, childCount: 0, requesters: 0, facilities: 0 },
    { start: '2026-11-24T07:00:00.000Z', end: '2026-11-24T08:00:00.000Z', active: 3, p1Active: 1, opened: 3, resolved: 0, childCount: 70, requesters: 40, facilities: 3 },
    { start: '2026-11-24T08:00:00.000Z', end: '2026-11-24T09:00:00.000Z', active: 3, p1Active: 1, opened: 0, resolved: 1, childCount: 2, requesters: '<5', facilities: 1 },
  ],
  incidents: [{ id: incident.id, priority: 'P1', system: 'epic-adt', facilities: ['overlake', 'bellevue', 'kirkland'], openedAt: incident.openedAt, resolvedAt: null }],
};

export const INCIDENT_BLAST_RADIUS_EXAMPLE = {
  at: '2026-11-24T07:44:00.000Z',
  incident,
  resolvedAt: null,
  growth: {
    from: '2026-11-24T07:00:00.000Z',
    to: '2026-11-24T07:45:00.000Z',
    bucketSeconds: 900,
    buckets: [
      { start: '2026-11-24T07:00:00.000Z', end: '2026-11-24T07:15:00.000Z', newChildren: 20, newFacilities: ['overlake'], newRequesters: 12, totalChildren: 20, totalFacilities: 1, totalRequesters: 12 },
      { start: '2026-11-24T07:15:00.000Z', end: '2026-11-24T07:30:00.000Z', newChildren: 14, newFacilities: ['bellevue'], newRequesters: 12, totalChildren: 34, totalFacilities: 2, totalRequesters: 24 },
      { start: '2026-11-24T07:30:00.000Z', end: '2026-11-24T07:45:00.000Z', newChildren: 3, newFacilities: ['kirkland'], newRequesters: '<5', totalChildren: 37, totalFacilities: 3, totalRequesters: 27 },
    ],
  },
};

export const OUTCOMES_EXAMPLE = {
  from: '2026-11-01T00:00:00.000Z',
  to: '2026-12-01T00:00:00.000Z',
  incidents: 42,
  origin: { automatic: 35, manual: 7, automaticShare: 0.8333, byOrigin: { machine: 33, identity: 2, report: 7 } },
  absorbed: { reports: 310, events: 1204, perIncidentMean: 7.38, top: [{ id: incident.id, priority: 'P1', system: 'epic-adt', reportsAbsorbed: 30, eventsAbsorbed: 69 }] },
  responseTimes: [
    { queue: 'major-incident', priority: 'P1', incidents: 3, acknowledged: 3, ackMedianSeconds: 240, ackP90Seconds: 410, resolved: 3, resolveMedianSeconds: 5400, resolveP90Seconds: 9000 },
  ],
  reroutes: { total: 4, incidentsRerouted: 3, byPath: [{ from: 'service-desk', to: 'integration', count: 3 }] },
};

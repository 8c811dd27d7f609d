import type { SchemaObject } from '@nestjs/swagger';
import { arr, bool, derivedFigure, instant, int, nullable, num, obj, peopleCount, str } from '../http/openapi-schema.js';
import { AS_OF_SCHEMA } from '../inbox/freshness.js';

// The answers of the blast-radius routes, as OpenAPI schemas. Which numbers are people counts (an
// integer, or "<5" for leadership) follows role-views.ts, field for field; test/openapi.test.ts
// checks real answers, an admin's and leadership's, against these.

const seconds = (description?: string) => num({ minimum: 0, ...(description ? { description } : {}) });

const FACILITY_SPREAD = obj({ facility: str(), name: nullable(str()), departments: arr(str()), childCount: peopleCount(), requesters: peopleCount() });

const INCIDENT_BLAST = obj({
  id: str({ format: 'uuid' }),
  priority: str({ example: 'P1' }),
  status: str(),
  system: str(),
  dependsOn: arr(obj({ id: str({ format: 'uuid' }), system: str(), status: str() }), { description: 'the upstream incident a dependency rule attached this one to' }),
  queue: nullable(str()),
  facilities: arr(FACILITY_SPREAD),
  departments: arr(str()),
  childCount: peopleCount('events and reports'),
  distinctRequesters: peopleCount(),
  patientImpact: bool(),
  openedAt: instant(),
  firstSeen: instant(),
  lastSeen: instant(),
  ageSeconds: seconds(),
});

const TOTALS = obj({
  incidents: int(),
  facilitiesAffected: int(),
  peopleAffected: peopleCount('distinct requesters across these incidents'),
  p1: int(),
  patientImpact: int(),
  longestOpen: nullable(obj({ id: str({ format: 'uuid' }), priority: str(), system: str(), openedAt: instant(), ageSeconds: seconds() })),
});

const BLAST_NOW = obj(
  {
    mode: str({ enum: ['now', 'at'] }),
    at: instant(),
    totals: TOTALS,
    incidents: arr(INCIDENT_BLAST, { description: 'highest priority and oldest first, at most `limit`' }),
    moreIncidents: int({ description: 'counted in the totals but not listed' }),
    facilities: arr(obj({ facility: str(), name: nullable(str()), incidents: int(), requesters: peopleCount(), worstPriority: str() })),
    systems: arr(obj({ system: str(), incidents: int(), dependsOn: arr(str()), worstPriority: str() })),
    queues: arr(obj({ queue: str(), incidents: int() })),
    grid: arr(obj({ facility: str(), system: str(), incidents: int(), requesters: peopleCount(), worstPriority: str() })),
    asOf: AS_OF_SCHEMA,
  },
  ['asOf'],
  { title: 'now or at' },
);

const BLAST_RANGE = obj(
  {
    mode: str({ enum: ['range'] }),
    from: instant(),
    to: instant(),
    bucketSeconds: int(),
    totals: obj({ incidents: int(), opened: int(), resolved: int(), peakActive: int(), p1: int(), facilitiesAffected: int(), peopleAffected: peopleCount() }),
    buckets: arr(
      obj({
        start: instant(),
        end: instant(),
        active: int({ description: 'incidents open at any moment of the bucket' }),
        p1Active: int(),
        opened: int(),
        resolved: int(),
        childCount: peopleCount('events and reports that joined an incident in the bucket'),
        requesters: peopleCount('distinct people who reported in the bucket'),
        facilities: int(),
      }),
    ),
    incidents: arr(obj({ id: str({ format: 'uuid' }), priority: str(), system: str(), facilities: arr(str()), openedAt: instant(), resolvedAt: nullable(instant()) })),
    asOf: AS_OF_SCHEMA,
  },
  ['asOf'],
  { title: 'range' },
);

/** GET /v1/blast-radius: `mode` says which of the two. */
export const BLAST_RADIUS_SCHEMA: SchemaObject = { oneOf: [BLAST_NOW, BLAST_RANGE] };

/** GET /v1/incidents/{id}/blast-radius. */
export const INCIDENT_BLAST_RADIUS_SCHEMA = obj({
  at: instant(),
  incident: INCIDENT_BLAST,
  resolvedAt: nullable(instant()),
  growth: obj({
    from: instant(),
    to: instant(),
    bucketSeconds: int(),
    buckets: arr(
      obj({
        start: instant(),
        end: instant(),
        newChildren: peopleCount(),
        newFacilities: arr(str(), { description: 'facilities seen for the first time in this incident during the bucket' }),
        newRequesters: peopleCount(),
        totalChildren: peopleCount(),
        totalFacilities: int(),
        totalRequesters: peopleCount(),
      }),
    ),
  }),
  asOf: AS_OF_SCHEMA,
}, ['asOf']);

/** GET /v1/metrics/outcomes. */
export const OUTCOMES_SCHEMA = obj({
  from: instant(),
  to: instant(),
  incidents: int(),
  origin: obj({
    automatic: int(),
    manual: int(),
    automaticShare: nullable(num({ minimum: 0, maximum: 1 })),
    byOrigin: { type: 'object', additionalProperties: int(), description: 'incidents by what opened them (machine, report, identity)' },
  }),
  absorbed: obj({
    reports: peopleCount('reports that joined an existing incident instead of becoming a ticket'),
    events: peopleCount('every event or report beyond each incident\'s first'),
    perIncidentMean: derivedFigure(),
    top: arr(obj({ id: str({ format: 'uuid' }), priority: str(), system: str(), reportsAbsorbed: peopleCount(), eventsAbsorbed: peopleCount() })),
  }),
  responseTimes: arr(
    obj({
      queue: str(),
      priority: str(),
      incidents: int(),
      acknowledged: int(),
      ackMedianSeconds: nullable(seconds()),
      ackP90Seconds: nullable(seconds()),
      resolved: int(),
      resolveMedianSeconds: nullable(seconds()),
      resolveP90Seconds: nullable(seconds()),
    }),
  ),
  reroutes: obj({ total: int(), incidentsRerouted: int(), byPath: arr(obj({ from: nullable(str()), to: str(), count: int() })) }),
});

import { arr, bool, int, nullable, obj, str } from '../http/openapi-schema.js';
import { MAX_REJECTED_LISTED } from './limits.js';

const REJECTED = arr(obj({ index: int({ description: 'its place in the array' }), reason: str() }), {
  maxItems: MAX_REJECTED_LISTED,
  description: `the first ${MAX_REJECTED_LISTED} refused events, with their reasons`,
});

/** `?wait=correlated` on every ingest route (ingest/wait.ts). */
export const WAIT_QUERY = {
  name: 'wait',
  required: false,
  enum: ['correlated'],
  description: 'wait (up to 5 s, or the Prefer: wait= bound, at most INGEST_WAIT_MAX_MS) until the events are correlated, and answer with the incident each landed in',
};

/** RFC 7240 `Prefer: wait=<seconds>`. */
export const PREFER_WAIT = {
  name: 'prefer',
  required: false,
  description: 'wait=<seconds>: wait up to that long for correlation (read-your-writes), as ?wait=correlated does',
};

const WAITED = {
  correlated: { ...bool(), description: 'only when the request asked to wait: every accepted event was correlated within the wait' },
  incidents: arr(
    obj(
      {
        index: int({ description: 'its place in the request (events first, then resolves that name only their child)' }),
        incidentId: nullable(str({ format: 'uuid', description: 'the incident it joined; null for an exact resend, an event set aside, one still waiting, or one ignored' })),
        setAside: str({ description: 'why the runtime set it aside after it was accepted (it is in the dead letters)' }),
        ignored: str({ description: 'why it changed nothing: a resolve for a child no incident holds (PagerDuty accepts those too)' }),
      },
      ['setAside', 'ignored'],
    ),
    { description: 'only when the request asked to wait: where each accepted event landed' },
  ),
};

/** POST /v1/events, 202 (ingest.service.ts IngestResult). */
export const INGEST_RESULT = obj(
  {
    accepted: int({ description: 'new events, now durable in the inbox (correlation follows in order)' }),
    duplicates: int({ description: 'exact resends corral already had (same source.system, id, status and occurredAt, about the same system and problem)' }),
    rejected: REJECTED,
    moreRejected: int({ description: 'how many more were refused than `rejected` lists; absent when it lists them all' }),
    ...WAITED,
  },
  ['moreRejected', 'correlated', 'incidents'],
  { example: { accepted: 2, duplicates: 1, rejected: [] } },
);

/** POST /v1/ingest/<source>, 202 (native-ingest.service.ts NativeResult). */
export const NATIVE_RESULT = obj(
  {
    accepted: int({ description: 'new events, now durable in the inbox (correlation follows in order)' }),
    duplicates: int({ description: 'exact resends corral already had (same source.system, id, status and occurredAt, about the same system and problem)' }),
    ignored: int({ description: 'well-formed source events that are no incident (an HL7 AA, an Okta session start, …)' }),
    rejected: REJECTED,
    ...WAITED,
  },
  ['correlated', 'incidents'],
  { example: { accepted: 1, duplicates: 0, ignored: 0, rejected: [] } },
);

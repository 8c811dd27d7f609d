import { arr, int, obj, str } from '../http/openapi-schema.js';
import { MAX_REJECTED_LISTED } from './limits.js';

const REJECTED = arr(obj({ index: int({ description: 'its place in the array' }), reason: str() }), {
  maxItems: MAX_REJECTED_LISTED,
  description: `the first ${MAX_REJECTED_LISTED} refused events, with their reasons`,
});

/** POST /v1/events, 202 (ingest.service.ts IngestResult). */
export const INGEST_RESULT = obj(
  {
    accepted: int({ description: 'new events, now durable' }),
    duplicates: int({ description: 'events corral already had (same source.system and id)' }),
    rejected: REJECTED,
    moreRejected: int({ description: 'how many more were refused than `rejected` lists; absent when it lists them all' }),
  },
  ['moreRejected'],
  { example: { accepted: 2, duplicates: 1, rejected: [] } },
);

/** POST /v1/ingest/<source>, 202 (native-ingest.service.ts NativeResult). */
export const NATIVE_RESULT = obj(
  {
    accepted: int({ description: 'new events, now durable' }),
    duplicates: int({ description: 'events corral already had' }),
    ignored: int({ description: 'well-formed source events that are no incident (an HL7 AA, an Okta session start, …)' }),
    rejected: REJECTED,
  },
  [],
  { example: { accepted: 1, duplicates: 0, ignored: 0, rejected: [] } },
);

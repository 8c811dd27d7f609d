import { depthExceeds } from '../../correlation/scrub.js';
import type { FieldProblem } from './canonical-intake.js';

// What one request or message may cost corral before any of it is looked at closely (README "Bad
// input"). Each is refused with a clear error rather than worked through: a body built to be
// expensive must not slow down, or crowd out, the senders beside it.

/** Deeper than any tool's payload or a canonical event (3 levels); deep enough to refuse a body built to exhaust the stack. */
export const MAX_DEPTH = 32;

/**
 * Events in one `POST /v1/events` array. Each invalid one costs a full validation and a listed
 * reason: 150,000 empty objects (450 KB) took 12 s of the event loop and a 240 MB answer.
 */
export const MAX_EVENTS_PER_REQUEST = 1000;

/** Rejected items an answer lists with their reasons; the rest are only counted. */
export const MAX_REJECTED_LISTED = 100;

/** A body (or one event of an array) nested past MAX_DEPTH, as the problem to answer with. */
export function nestingProblem(value: unknown, field = 'body'): FieldProblem | undefined {
  return depthExceeds(value, MAX_DEPTH) ? { field, problems: [`nests deeper than ${MAX_DEPTH} levels`] } : undefined;
}

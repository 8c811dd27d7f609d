import type { FieldProblem } from '../ingest/canonical-intake.js';

/** Errors the application raises; ApiExceptionFilter maps each to HTTP once, at the edge. */
export type DomainError = InvalidInputError | TooLargeError | NotFoundError | ConflictError | TooManyRequestsError | UnavailableError;

export class InvalidInputError extends Error {
  readonly kind = 'invalid-input';
  constructor(message: string, readonly details?: unknown) {
    super(message);
  }
}

/** More than corral takes in one request; nothing of it was looked at. */
export class TooLargeError extends Error {
  readonly kind = 'too-large';
}

export class NotFoundError extends Error {
  readonly kind = 'not-found';
}

/** The request is well-formed but the incident's current state does not allow it. */
export class ConflictError extends Error {
  readonly kind = 'conflict';
}

/** At capacity: nothing was done, come back after `retryAfterSeconds`. */
export class TooManyRequestsError extends Error {
  readonly kind = 'too-many-requests';
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

/** Nothing was lost, but nothing was done either: the caller should retry after a pause. */
export class UnavailableError extends Error {
  readonly kind = 'unavailable';
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
  }
}

export interface RejectedItem {
  index: number;
  reason: string;
  fields: FieldProblem[];
}

/**
 * What an ingest route answers when its events could not be committed: 429 when corral refused
 * them for lack of room, 503 when the commit failed. Either way none of them was kept.
 */
export function commitFailure(error: unknown): Error {
  if (error instanceof Error && error.name === 'OverloadedError') return new TooManyRequestsError(`${error.message}; none of the events was kept`, 1);
  // Already the answer (the inbox refusing while correlation lags): it says why and when to retry.
  if (error instanceof UnavailableError) return error;
  // Never the error's own text: a database error can quote another sender's rows (the runtime logs it).
  return new UnavailableError('events could not be committed; none of them was kept, retry the request', 5);
}

import type { FieldProblem } from '../ingest/canonical-intake.js';

/** Errors the application raises; ApiExceptionFilter maps each to HTTP once, at the edge. */
export type DomainError = InvalidInputError | NotFoundError | ConflictError | UnavailableError;

export class InvalidInputError extends Error {
  readonly kind = 'invalid-input';
  constructor(message: string, readonly details?: unknown) {
    super(message);
  }
}

export class NotFoundError extends Error {
  readonly kind = 'not-found';
}

/** The request is well-formed but the incident's current state does not allow it. */
export class ConflictError extends Error {
  readonly kind = 'conflict';
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

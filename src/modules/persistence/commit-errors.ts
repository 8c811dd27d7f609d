import { RefusedDataError } from '../../actors/actor-store.js';
import { FencedError } from '../../actors/ownership.js';

// What COMMIT_BATCH's failures mean to the runtime: a check it raised, or rows the database refused.

/** A failed check of COMMIT_BATCH (raised by corral_require, SQLSTATE CR001) as the runtime's error. */
export function commitCheckFailure(error: unknown): Error | undefined {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code !== 'CR001' || message === undefined) return undefined;
  if (message.startsWith('duplicate:')) return new DuplicateDeliveryError(Number(message.slice('duplicate:'.length)));
  if (message.startsWith('fenced:')) return new FencedError(message.slice('fenced:'.length));
  if (message.startsWith('inbox:')) return new InboxCursorMovedError(message.slice('inbox:'.length));
  return undefined;
}

/**
 * SQLSTATE classes that mean the rows themselves were refused: 22 data exception (a NUL, a date or
 * text the type cannot hold), 23 integrity constraint violation, 54 program limit exceeded (a value
 * too large to index). Everything else (08 connection, 53 resources, 57 operator intervention,
 * 40 rollback, a check of COMMIT_BATCH…) says nothing about the data, and the batch is retried whole.
 */
const DATA_CLASSES = new Set(['22', '23', '54']);

export function refusedData(error: unknown): RefusedDataError | undefined {
  const { code, table, column, constraint } = (error ?? {}) as { code?: unknown; table?: string; column?: string; constraint?: string };
  if (typeof code !== 'string' || !DATA_CLASSES.has(code.slice(0, 2))) return undefined;
  // Not the error itself: its message and detail can quote the refused value (a row's content).
  return new RefusedDataError(code, { ...(table ? { table } : {}), ...(column ? { column } : {}), ...(constraint ? { constraint } : {}) });
}

/** The inbox cursor was not where the batch was prepared from: an earlier span failed, or another process applies the inbox. */
export class InboxCursorMovedError extends Error {
  constructor(detail: string) {
    super(`inbox span refused: ${detail}`);
    this.name = 'InboxCursorMovedError';
  }
}

export class DuplicateDeliveryError extends Error {
  constructor(count: number) {
    super(`${count} message(s) of this batch were already committed by an earlier delivery; the batch is retried without them`);
    this.name = 'DuplicateDeliveryError';
  }
}

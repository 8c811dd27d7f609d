import { InvalidInputError, TooLargeError, type RejectedItem } from '../../http/domain-errors.js';
import type { EncodedEntry } from '../../inbox/inbox-writer.js';
import type { FieldProblem } from '../canonical-intake.js';
import { checkCanonical, checkNative, encodedEntries, sourceOf } from '../intake-prep.js';
import { InvalidJsonError, parseJsonBody, type RawJson } from '../json-body.js';
import type { NativeSource } from '../sources/registry.js';

/** What an intake worker is asked: one request's body, as its raw JSON bytes, for a route. */
export interface IntakeJob {
  /** `canonical` for POST /v1/events, else the native source (a JSON one: HL7 stays inline). */
  route: 'canonical' | NativeSource;
  bytes: RawJson;
  correlationId: string;
  /** The request's arrival, formatted once by the main thread (toISOString). */
  receivedAt: string;
}

/** A canonical request prepared: its rows, and what its answer needs. */
export interface CanonicalPrepared {
  kind: 'canonical';
  isArray: boolean;
  rejected: RejectedItem[];
  validIndex?: number[];
  /** One per valid event, in order. */
  rows: EncodedEntry[];
  source: string;
}

/** A native payload prepared: its rows (events, then resolves), or why it is refused. */
export type NativePrepared =
  | { kind: 'native'; ok: true; rows: EncodedEntry[]; source: string; ignored: number; dedupKey?: string }
  | { kind: 'native'; ok: false; reason: string; fields: FieldProblem[] };

/** A refusal of the whole body, thrown inline as the error it names. */
export interface Refused {
  kind: 'refused';
  error: 'json' | 'invalid-input' | 'too-large';
  message: string;
  details?: unknown;
}

export type IntakeReply = CanonicalPrepared | NativePrepared | Refused;

/**
 * Everything pure that an ingest request needs before its append, from the raw bytes to the rows'
 * text: JSON parse, the checks, normalizing and the privacy filter (one memo per request),
 * admission, the dedup keys, JSON.stringify of each input. What the main thread does with the body
 * inline, with the same results; only plain data goes back (errors as `Refused`).
 */
export function runIntakeJob(job: IntakeJob, tokenKey: string): IntakeReply {
  const { correlationId, receivedAt } = job;
  try {
    const body = parseJsonBody(job.bytes);
    if (job.route === 'canonical') {
      const { isArray, events, rejected, validIndex } = checkCanonical(body, { tokenKey, correlationId, receivedAt });
      return { kind: 'canonical', isArray, rejected, ...(validIndex ? { validIndex } : {}), rows: encodedEntries(events, []), source: sourceOf(events, []) };
    }
    const checked = checkNative(job.route, body, { tokenKey, correlationId, receivedAt });
    if (!checked.ok) return { kind: 'native', ok: false, reason: checked.reason, fields: checked.fields };
    const { events, resolves, ignored, dedupKey } = checked.normalized;
    return { kind: 'native', ok: true, rows: encodedEntries(events, resolves), source: sourceOf(events, resolves), ignored, ...(dedupKey !== undefined ? { dedupKey } : {}) };
  } catch (error) {
    if (error instanceof InvalidJsonError) return { kind: 'refused', error: 'json', message: error.message };
    if (error instanceof InvalidInputError) return { kind: 'refused', error: 'invalid-input', message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) };
    if (error instanceof TooLargeError) return { kind: 'refused', error: 'too-large', message: error.message };
    throw error;
  }
}

/** The error a `Refused` stands for, as the inline path throws it. */
export function refusalError(refused: Refused): Error {
  if (refused.error === 'json') return new InvalidJsonError();
  if (refused.error === 'too-large') return new TooLargeError(refused.message);
  return new InvalidInputError(refused.message, refused.details);
}

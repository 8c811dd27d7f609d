import { InvalidInputError } from '../http/domain-errors.js';

/** How long `?wait=correlated` waits when no `Prefer: wait=` says otherwise. */
export const DEFAULT_WAIT_MS = 5000;

/**
 * Whether an ingest request asked to wait for correlation, and for how long: `?wait=correlated`
 * (DEFAULT_WAIT_MS), or RFC 7240's `Prefer: wait=<seconds>` (alone, or giving the bound for the
 * former). Undefined: answer as soon as the events are durable (the default).
 */
export function requestedWait(query: unknown, prefer: string | string[] | undefined): number | undefined {
  const wait = (query as { wait?: unknown } | undefined)?.wait;
  if (wait !== undefined && wait !== 'correlated') throw new InvalidInputError('wait must be "correlated" (or leave it out)', [{ field: 'wait', problems: ['must be "correlated"'] }]);
  const header = Array.isArray(prefer) ? prefer.join(',') : prefer;
  const seconds = header ? /(?:^|[,;\s])wait\s*=\s*"?(\d+(?:\.\d+)?)"?/i.exec(header)?.[1] : undefined;
  if (seconds !== undefined) return Number(seconds) * 1000;
  return wait === 'correlated' ? DEFAULT_WAIT_MS : undefined;
}

import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const HEADER = 'x-correlation-id';
const SAFE = /^[\w.:-]{1,128}$/;

/**
 * A caller's x-correlation-id is carried into events, logs and replies; without one (or with an
 * unsafe one) corral makes its own. Fastify's request id (its `genReqId`), so `request.id` is the
 * correlation id everywhere: the edge hook sends it back, and the request logger binds it.
 */
export function correlationIdFor(request: IncomingMessage): string {
  const given = request.headers[HEADER];
  return typeof given === 'string' && SAFE.test(given) ? given : randomUUID();
}

export const CORRELATION_HEADER = HEADER;

export function correlationIdOf(request: { id?: unknown }): string {
  return typeof request.id === 'string' ? request.id : randomUUID();
}

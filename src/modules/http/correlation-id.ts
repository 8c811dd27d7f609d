import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const HEADER = 'x-correlation-id';
const SAFE = /^[\w.:-]{1,128}$/;

/**
 * A caller's x-correlation-id is carried into events, logs and replies; without one (or with an
 * unsafe one) corral makes its own. Used as pino-http's request id, so every log line carries it.
 */
export function assignCorrelationId(request: IncomingMessage, response: ServerResponse): string {
  const given = request.headers[HEADER];
  const id = typeof given === 'string' && SAFE.test(given) ? given : randomUUID();
  response.setHeader(HEADER, id);
  return id;
}

export function correlationIdOf(request: IncomingMessage & { id?: unknown }): string {
  return typeof request.id === 'string' ? request.id : randomUUID();
}

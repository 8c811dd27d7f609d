import type { FastifyRequest } from 'fastify';
import type { Principal } from './roles.js';

/** A request as corral's guard leaves it: who is calling, once authenticated. */
export type AuthedRequest = FastifyRequest<{ Params: Record<string, string | undefined>; Querystring: Record<string, unknown> }> & { principal?: Principal };

/** The matched route as written in the access matrix: `GET /v1/incidents/:id`. */
export function routeOf(request: FastifyRequest): { method: string; path: string } | undefined {
  // Fastify's matched route template; undefined for the not-found handler.
  const path = request.is404 ? undefined : request.routeOptions.url;
  return typeof path === 'string' ? { method: request.method.toUpperCase(), path } : undefined;
}

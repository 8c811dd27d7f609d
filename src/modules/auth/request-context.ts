import type { Request } from 'express';
import type { Principal } from './roles.js';

/** A request as corral's guard leaves it: who is calling, once authenticated. */
export type AuthedRequest = Request & { principal?: Principal; id?: unknown };

/** The matched route as written in the access matrix: `GET /v1/incidents/:id`. */
export function routeOf(request: Request): { method: string; path: string } | undefined {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? { method: request.method.toUpperCase(), path } : undefined;
}

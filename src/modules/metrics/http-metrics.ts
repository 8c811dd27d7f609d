import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Histogram, type Registry } from 'prom-client';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The route label of every request no route answered: unknown paths, and those refused before routing (rate limit, stopping, no credentials). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every request into corral_http_request_duration_seconds{method, route, status_class}.
 * The route is the template Express matched (`/v1/incidents/:id`), never the path a client sent:
 * a path carries ids and whatever a scanner tries, and each would become a time series of its own.
 * Registered first (bootstrap.ts), so refusals made before routing are timed too.
 */
export function httpMetrics(registry: Registry): RequestHandler {
  const duration = new Histogram({
    name: 'corral_http_request_duration_seconds',
    help: 'HTTP requests, from arrival to the response finishing (or the client going away), by method, route template and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return (request: Request, response: Response, next: NextFunction) => {
    const started = performance.now();
    response.once('close', () => {
      duration.observe(
        { method: METHODS.has(request.method) ? request.method : 'OTHER', route: routeOf(request), status_class: statusClass(response) },
        (performance.now() - started) / 1000,
      );
    });
    next();
  };
}

function routeOf(request: Request): string {
  // Express sets request.route when a route matched; its path is relative to the router it is
  // mounted on (baseUrl), which is empty for Nest's routes. Not a string: a RegExp route. A
  // wildcard matches any path, so it names nothing: middleware mounted on every path (nestjs-pino's
  // `{/*splat}`) leaves it on the requests no controller answered. corral's controllers have none.
  const path: unknown = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' && !path.includes('*') ? `${request.baseUrl}${path}` : UNMATCHED_ROUTE;
}

/** 2xx…5xx; a client that went away before an answer was sent counts as `aborted`. */
function statusClass(response: Response): string {
  if (!response.headersSent) return 'aborted';
  return `${Math.floor(response.statusCode / 100)}xx`;
}

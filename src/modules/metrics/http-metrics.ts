import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import type { ServerResponse } from 'node:http';
import { Histogram, type Registry } from 'prom-client';
import { wasRefusedEarly } from '../http/api-exception.filter.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** The route label of every request no route answered: unknown paths, and those refused before routing (rate limit, stopping, no credentials). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every request into corral_http_request_duration_seconds{method, route, status_class}.
 * The route is the template Fastify matched (`/v1/incidents/:id`), never the path a client sent:
 * a path carries ids and whatever a scanner tries, and each would become a time series of its own.
 * The first of the edge hooks (bootstrap.ts), so refusals made before a route runs are timed too.
 */
export function httpMetrics(registry: Registry): onRequestHookHandler {
  const duration = new Histogram({
    name: 'corral_http_request_duration_seconds',
    help: 'HTTP requests, from arrival to the response finishing (or the client going away), by method, route template and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return (request, reply, done) => {
    const started = performance.now();
    reply.raw.once('close', () => {
      duration.observe(
        { method: METHODS.has(request.method) ? request.method : 'OTHER', route: routeOf(request), status_class: statusClass(reply.raw) },
        (performance.now() - started) / 1000,
      );
    });
    done();
  };
}

function routeOf(request: FastifyRequest): string {
  // Fastify routes before its hooks run: a request an edge hook refused names no route it reached.
  // A wildcard matches any path, so it names nothing (Swagger UI's assets); corral's controllers have none.
  const path = request.is404 || wasRefusedEarly(request.raw) ? undefined : request.routeOptions.url;
  return typeof path === 'string' && !path.includes('*') ? path : UNMATCHED_ROUTE;
}

/** 2xx…5xx; a client that went away before an answer was sent counts as `aborted`. */
function statusClass(response: ServerResponse): string {
  if (!response.headersSent) return 'aborted';
  return `${Math.floor(response.statusCode / 100)}xx`;
}

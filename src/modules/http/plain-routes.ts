import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler, onRequestHookHandler, RouteOptions } from 'fastify';
import type { AccessCheck } from '../auth/access-check.js';
import { accessFor, routeKey } from '../auth/access-matrix.js';
import type { AuthedRequest } from '../auth/request-context.js';
import { answerError } from './api-exception.filter.js';

/** A route served by a plain Fastify handler rather than by Nest's per-request pipeline. */
export interface PlainRoute {
  method: 'GET' | 'POST';
  /** The path as its Nest controller declares it (`/v1/ingest/:source`): that declaration stays, for the OpenAPI document. */
  url: string;
  /** Answers with what it returns (after `reply.code(...)`), or throws what answerError answers. */
  handler: (request: AuthedRequest, reply: FastifyReply) => Promise<unknown>;
}

/** How plain routes log: pino-http's access line (access-log.ts), and a request context only where an error is logged. */
export interface PlainRouteLogging {
  accessLine: onRequestHookHandler;
  withCorrelationId: (correlationId: string, log: () => void) => void;
}

/**
 * Serves `routes` as plain Fastify routes. Nest's pipeline (router, guard, interceptors, pipes,
 * class-validator, exception filter) cost a one-event ingest request several hundred µs of CPU,
 * more than the ingest itself, at the 5,000 requests/s those routes must take (issue 23,
 * `npm run bench:http-stack`). The ingest routes need none of it: no typed body, no role view, no
 * access audit of their own.
 *
 * Their controllers stay declared, so that the OpenAPI document (built from their decorators), the
 * route table and the access-matrix test see them as before; as Nest registers each of them with
 * Fastify, this `onRoute` hook gives it the plain handler instead of Nest's. What the pipeline did
 * for them is done here, in the same order: pino-http's access line, AccessCheck (401/403/429, the same as AccessGuard's) as
 * the route's own `onRequest` hook — after the edge hooks of bootstrap.ts and before the body is
 * read, so that a caller without a good key costs no body — and errors answered by the exception
 * filter's own mapping. The handlers apply what Nest's pipes and interceptors did to them.
 * A route listed here that Nest never registered stops the boot: a renamed controller path must
 * not leave a route served by Nest's handler, or none.
 */
export function servePlainRoutes(fastify: FastifyInstance, routes: readonly PlainRoute[], access: AccessCheck, logging: PlainRouteLogging): void {
  const byKey = new Map(routes.map((route) => [routeKey(route.method, route.url), route]));
  const served = new Set<string>();
  fastify.addHook('onRoute', (options: RouteOptions) => {
    if (typeof options.method !== 'string') return;
    const key = routeKey(options.method, options.url);
    const route = byKey.get(key);
    if (!route) return;
    const entry = accessFor(route.method, route.url);
    if (!entry || entry.roles === 'public') throw new Error(`${key} is served as a plain route but the access matrix does not restrict it`);
    const roles = entry.roles;
    const where = { method: route.method, path: route.url };
    const admit: onRequestAsyncHookHandler = async (request, reply) => {
      try {
        await access.admit(request as AuthedRequest, reply, where, entry, roles, (log) => logging.withCorrelationId(request.id, log));
      } catch (error) {
        // Refused before its body was read: the connection closes rather than read it to throw it away.
        if (hasBody(request)) reply.header('connection', 'close');
        throw error;
      }
    };
    options.onRequest = [...[options.onRequest ?? []].flat(), logging.accessLine, admit];
    options.handler = (request, reply) => route.handler(request as AuthedRequest, reply);
    // What answerError logs (a 5xx) carries the correlation id, as it did inside pino-http's request context.
    options.errorHandler = (error, request, reply) => logging.withCorrelationId(request.id, () => answerError(reply, error));
    served.add(key);
  });
  fastify.addHook('onReady', (done) => {
    const missing = [...byKey.keys()].filter((key) => !served.has(key));
    done(missing.length > 0 ? new Error(`plain routes ${missing.join(', ')} were never registered by their Nest controllers`) : undefined);
  });
}

function hasBody(request: FastifyRequest): boolean {
  const { headers } = request;
  return (headers['content-length'] !== undefined && headers['content-length'] !== '0') || headers['transfer-encoding'] !== undefined;
}

/** The body of a controller method kept for the OpenAPI document only: its route is served by a plain handler. */
export function servedByPlainRoute(): never {
  throw new Error('served by a plain Fastify route (http/plain-routes.ts): this controller method only declares it');
}

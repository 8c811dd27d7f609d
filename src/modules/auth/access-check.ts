import { ForbiddenException, HttpException, HttpStatus, Logger, UnauthorizedException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { AuditTrail } from '../audit/audit-trail.js';
import { correlationIdOf } from '../http/correlation-id.js';
import { routeKey, type RouteAccess } from './access-matrix.js';
import { isPrincipal, type Authenticator } from './authenticator.js';
import { authenticateRequest, type DashboardSessions } from './dashboard-session.js';
import type { RateLimiter } from './rate-limiter.js';
import type { AuthedRequest } from './request-context.js';
import type { Role } from './roles.js';

/**
 * What a caller of a non-public route must pass, in this order: authentication (401, only logged,
 * so that nobody can fill the trail without a key), the role (403, audited), the key's rate limit
 * (429). On success the principal is on the request. Shared by AccessGuard (Nest's routes) and the
 * plain ingest routes' `onRequest` hook (http/plain-routes.ts), so that both refuse alike: the
 * same exceptions, answered by the same mapping (api-exception.filter.ts).
 */
export class AccessCheck {
  private readonly logger = new Logger('Access');

  constructor(
    private readonly authenticator: Authenticator,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditTrail,
    private readonly sessions: DashboardSessions,
  ) {}

  /** Authenticates for a public route that tells more to some roles (readiness); never refuses. */
  async identifyOptional(request: AuthedRequest, access: RouteAccess): Promise<void> {
    if (!access.detailsFor || !request.headers.authorization) return;
    const who = await this.authenticator.authenticate(request.headers.authorization);
    if (isPrincipal(who) && access.detailsFor.includes(who.role)) request.principal = who;
  }

  /**
   * Throws the 401, 403 or 429 to answer with; resolves with the principal on the request. `roles`:
   * those `access` names. `inRequestContext`: where the 401's log line is written, so that it
   * carries the request's correlation id (Nest's routes are inside pino-http's context already).
   */
  async admit(
    request: AuthedRequest,
    reply: FastifyReply,
    route: { method: string; path: string },
    access: RouteAccess,
    roles: readonly Role[],
    inRequestContext: (log: () => void) => void = (log) => log(),
  ): Promise<void> {
    // The bearer header; on the dashboard's routes only, its session cookie or sign-in form (dashboard-session.ts).
    const who = await authenticateRequest(request, access.session, this.authenticator, this.sessions);
    if (!isPrincipal(who)) {
      inRequestContext(() => this.logger.warn(`${routeKey(route.method, route.path)}: 401 ${who.refused}`));
      reply.header('WWW-Authenticate', 'Bearer realm="corral"');
      throw new UnauthorizedException(who.refused);
    }
    request.principal = who;

    if (!roles.includes(who.role)) {
      const reason = `role ${who.role} may not ${routeKey(route.method, route.path)}`;
      await this.audit.record({
        actor: who.name,
        actorKind: who.kind,
        role: who.role,
        action: access.audit?.action ?? 'access',
        target: access.audit?.targetParam ? String(request.params[access.audit.targetParam] ?? '') || null : null,
        outcome: 4,
        correlationId: correlationIdOf(request),
        detail: { route: routeKey(route.method, route.path), reason, status: 403, type: access.audit?.type ?? 'query' },
      });
      throw new ForbiddenException(reason);
    }

    const retryAfter = this.limiter.take(who.id, performance.now());
    if (retryAfter !== undefined) {
      reply.header('Retry-After', String(retryAfter));
      throw new HttpException('rate limit for this key exceeded; retry later', HttpStatus.TOO_MANY_REQUESTS);
    }
  }
}

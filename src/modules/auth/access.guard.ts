import { ForbiddenException, HttpException, HttpStatus, Logger, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AuditTrail } from '../audit/audit-trail.js';
import { correlationIdOf } from '../http/correlation-id.js';
import { accessFor, routeKey } from './access-matrix.js';
import { Authenticator, isPrincipal } from './authenticator.js';
import { authenticateRequest, type DashboardSessions } from './dashboard-session.js';
import type { RateLimiter } from './rate-limiter.js';
import { routeOf, type AuthedRequest } from './request-context.js';

/**
 * The one gate every HTTP route passes: finds the matched route in the access matrix, refuses a
 * route that is not there, authenticates the bearer, checks the role, applies the caller's rate
 * limit, and leaves the principal on the request for commands and the audit trail. A refusal of an
 * authenticated caller (403) is audited; an anonymous one (401) is only logged, so that nobody can
 * fill the trail without a key.
 */
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('Access');

  constructor(
    private readonly authenticator: Authenticator,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditTrail,
    private readonly sessions: DashboardSessions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true; // NATS commands are authorised by NATS permissions
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const response = context.switchToHttp().getResponse<FastifyReply>();
    const route = routeOf(request);
    const access = route ? accessFor(route.method, route.path) : undefined;
    if (!route || !access) {
      this.logger.error(`route ${route ? routeKey(route.method, route.path) : request.url} is not in the access matrix: refused`);
      throw new ForbiddenException('this route is not in the access matrix');
    }
    if (access.roles === 'public') {
      if (access.detailsFor && request.headers.authorization) {
        const who = await this.authenticator.authenticate(request.headers.authorization);
        if (isPrincipal(who) && access.detailsFor.includes(who.role)) request.principal = who;
      }
      return true;
    }

    // The bearer header; on the dashboard's routes only, its session cookie or sign-in form (dashboard-session.ts).
    const who = await authenticateRequest(request, access.session, this.authenticator, this.sessions);
    if (!isPrincipal(who)) {
      this.logger.warn(`${routeKey(route.method, route.path)}: 401 ${who.refused}`);
      response.header('WWW-Authenticate', 'Bearer realm="corral"');
      throw new UnauthorizedException(who.refused);
    }
    request.principal = who;

    if (!access.roles.includes(who.role)) {
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

    const retryAfter = this.limiter.take(who.id, Date.now());
    if (retryAfter !== undefined) {
      response.header('Retry-After', String(retryAfter));
      throw new HttpException('rate limit for this key exceeded; retry later', HttpStatus.TOO_MANY_REQUESTS);
    }
    return true;
  }
}

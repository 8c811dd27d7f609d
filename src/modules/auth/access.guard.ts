import { ForbiddenException, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { AccessCheck } from './access-check.js';
import { accessFor, routeKey } from './access-matrix.js';
import { routeOf, type AuthedRequest } from './request-context.js';

/**
 * The one gate every HTTP route Nest serves passes: finds the matched route in the access matrix,
 * refuses a route that is not there, and for the others applies AccessCheck (authentication, role,
 * the caller's rate limit), which leaves the principal on the request for commands and the audit
 * trail. The ingest routes are served outside Nest (http/plain-routes.ts) and pass the same
 * AccessCheck in a Fastify hook.
 */
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('Access');

  constructor(private readonly access: AccessCheck) {}

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
      await this.access.identifyOptional(request, access);
      return true;
    }
    await this.access.admit(request, response, route, access, access.roles);
    return true;
  }
}

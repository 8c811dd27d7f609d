import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { accessFor } from './access-matrix.js';
import { routeOf, type AuthedRequest } from './request-context.js';
import { LEADERSHIP_VIEWS } from './role-views.js';

/**
 * Shapes responses by role after the service has answered, so services stay role-blind: where the
 * access matrix names a leadership view, a leadership caller gets that view instead of the full
 * response. The matrix test holds every non-public route leadership may call to having one.
 */
export class RoleViewInterceptor implements NestInterceptor {
  constructor(private readonly smallCountThreshold: number) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    if (request.principal?.role !== 'leadership') return next.handle();
    const route = routeOf(request);
    const view = route ? accessFor(route.method, route.path)?.leadershipView : undefined;
    if (!view) return next.handle();
    const shape = LEADERSHIP_VIEWS[view];
    return next.handle().pipe(map((body: unknown) => shape(body, this.smallCountThreshold)));
  }
}

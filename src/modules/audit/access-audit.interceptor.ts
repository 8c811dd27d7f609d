import { type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { catchError, from, mergeMap, type Observable } from 'rxjs';
import { accessFor, routeKey, type AuditSpec } from '../auth/access-matrix.js';
import { routeOf, type AuthedRequest } from '../auth/request-context.js';
import { statusOf } from '../http/api-exception.filter.js';
import { correlationIdOf } from '../http/correlation-id.js';
import { clampText, withoutControls } from '../ingest/unicode.js';
import type { AuditOutcome, AuditTrail } from './audit-trail.js';

/**
 * Records every access the access matrix marks as audited (reads of incident details, the
 * timeline, the audit trail itself, commands …) once it has been answered, with its outcome. The
 * row is written before the response leaves: a read that cannot be audited is not served.
 */
export class AccessAuditInterceptor implements NestInterceptor {
  constructor(private readonly trail: AuditTrail) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<AuthedRequest>();
    const route = routeOf(request);
    const spec = route ? accessFor(route.method, route.path)?.audit : undefined;
    if (!route || !spec || !request.principal) return next.handle();
    const record = (outcome: AuditOutcome, status: number, reason?: string) => this.record(request, routeKey(route.method, route.path), spec, outcome, status, reason);
    return next.handle().pipe(
      // The status the handler answers with (201, or 202 for a forwarded command not yet applied).
      mergeMap((value: unknown) => from(record(0, context.switchToHttp().getResponse<{ statusCode?: number }>().statusCode ?? 200).then((): unknown => value))),
      catchError((error: unknown) => {
        const status = statusOf(error);
        const reason = status < 500 && error instanceof Error ? clampText(error.message, 300) : 'server error';
        return from(record(status < 500 ? 4 : 8, status, reason).then(() => Promise.reject(error as Error)));
      }),
    );
  }

  private async record(request: AuthedRequest, route: string, spec: AuditSpec, outcome: AuditOutcome, status: number, reason?: string): Promise<void> {
    const principal = request.principal;
    if (!principal) return;
    const query = request.originalUrl.includes('?') ? request.originalUrl.slice(request.originalUrl.indexOf('?') + 1) : undefined;
    const target = spec.targetParam ? request.params[spec.targetParam] : undefined;
    await this.trail.record({
      actor: principal.name,
      actorKind: principal.kind,
      role: principal.role,
      action: spec.action,
      // A refused target may hold a control character (a NUL PostgreSQL would refuse): recorded as U+FFFD.
      target: typeof target === 'string' ? clampText(withoutControls(target, '\uFFFD'), 128) : null,
      outcome,
      correlationId: correlationIdOf(request),
      detail: {
        route,
        type: spec.type,
        status,
        ...(request.query.format === 'fhir' ? { format: 'fhir' } : {}),
        ...(query ? { query: clampText(query, 1000) } : {}),
        ...(reason ? { reason } : {}),
      },
    });
  }
}



import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthedRequest } from './request-context.js';
import type { Principal } from './roles.js';

/** The caller the AccessGuard authenticated; a route without one (public) gets undefined. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal | undefined => context.switchToHttp().getRequest<AuthedRequest>().principal);

/**
 * Who a command is recorded as: the authenticated caller, and when a helpdesk integration acts for
 * a named agent (`by` in the body), `<caller> for <agent>`. A body can never impersonate: the caller
 * is always first.
 */
export function actingAs(principal: Principal | undefined, by: string | undefined): string {
  const caller = principal?.name ?? 'anonymous';
  return by && by !== caller ? `${caller} for ${by}` : caller;
}

import { Catch, ForbiddenException, UnauthorizedException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiExceptionFilter } from '../http/api-exception.filter.js';
import { signInPage } from './dashboard.pages.js';

/**
 * A browser that navigates to /dashboard without a session, or types a wrong key into the sign-in
 * form, gets a page explaining how to sign in (still 401 or 403, with the guard's WWW-Authenticate
 * header). API clients, the script and the stream keep the usual JSON error.
 */
@Catch(UnauthorizedException, ForbiddenException)
export class SignInPageFilter implements ExceptionFilter {
  private readonly json = new ApiExceptionFilter();

  catch(exception: UnauthorizedException | ForbiddenException, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const response = host.switchToHttp().getResponse<FastifyReply>();
    const page = request.method === 'GET' && request.url.split('?', 1)[0] === '/dashboard';
    const form = request.method === 'POST' && (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    if (!page && !form) return this.json.catch(exception, host);
    const message =
      exception instanceof ForbiddenException
        ? 'That key is valid, but its role may not view the dashboard.'
        : form
          ? 'That key was not accepted (unknown, expired or revoked).'
          : 'You are not signed in, or your session has ended.';
    response.status(exception.getStatus()).type('text/html; charset=utf-8').header('cache-control', 'no-store');
    void response.send(signInPage(message));
  }
}

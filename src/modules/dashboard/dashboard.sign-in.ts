import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '../../actors/clock.js';
import { CLOCK } from '../runtime/tokens.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { clearedSessionCookie, cookieOf, DashboardSessions, SESSION_COOKIE, sessionCookie } from '../auth/dashboard-session.js';
import type { Principal } from '../auth/roles.js';
import { InvalidInputError } from '../http/domain-errors.js';
import { signedInPage, signedOutPage } from './dashboard.pages.js';

/** The guard has already checked the key and its role; this turns the caller into a session cookie, and back. */
@Injectable()
export class DashboardSignIn {
  constructor(
    private readonly sessions: DashboardSessions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async signIn(principal: Principal | undefined, secure: boolean, response: FastifyReply): Promise<string> {
    // Sessions hang off an API key so that revoking the key ends them; an OIDC user signs in with a key too.
    if (principal?.kind !== 'api-key') throw new InvalidInputError('dashboard sessions are opened with an API key');
    const now = this.clock.now();
    const { token, expiresAt } = await this.sessions.create(principal, now);
    response.header('set-cookie', sessionCookie(token, expiresAt, secure, now));
    response.header('location', '/dashboard');
    response.type('text/html; charset=utf-8');
    return signedInPage();
  }

  /** Ends the session the cookie names (a shared workstation in a command centre) and drops the cookie. */
  async signOut(request: FastifyRequest, response: FastifyReply): Promise<string> {
    const token = cookieOf(request.headers.cookie, SESSION_COOKIE);
    if (token) await this.sessions.end(token);
    response.header('set-cookie', clearedSessionCookie(request.protocol === 'https'));
    response.header('location', '/dashboard');
    response.type('text/html; charset=utf-8');
    return signedOutPage();
  }
}

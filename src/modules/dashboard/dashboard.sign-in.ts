import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { DashboardSessions, sessionCookie } from '../auth/dashboard-session.js';
import type { Principal } from '../auth/roles.js';
import { InvalidInputError } from '../http/domain-errors.js';
import { signedInPage } from './dashboard.pages.js';

/** The guard has already checked the key and its role; this turns the caller into a session cookie. */
@Injectable()
export class DashboardSignIn {
  constructor(private readonly sessions: DashboardSessions) {}

  async signIn(principal: Principal | undefined, secure: boolean, response: Response): Promise<string> {
    // Sessions hang off an API key so that revoking the key ends them; an OIDC user signs in with a key too.
    if (principal?.kind !== 'api-key') throw new InvalidInputError('dashboard sessions are opened with an API key');
    const { token, expiresAt } = await this.sessions.create(principal);
    response.setHeader('set-cookie', sessionCookie(token, expiresAt, secure));
    response.setHeader('location', '/dashboard');
    response.type('html');
    return signedInPage();
  }
}

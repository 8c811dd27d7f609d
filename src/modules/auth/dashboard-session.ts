import { systemClock, type Clock } from '../../actors/clock.js';
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import { hashKey } from './api-keys.js';
import { DashboardSessionRepository } from './dashboard-session.repository.js';
import type { Authentication, Authenticator } from './authenticator.js';
import type { Principal } from './roles.js';

/**
 * Dashboard sessions. A browser cannot send `Authorization: Bearer` when it navigates to
 * /dashboard or opens an EventSource, so a leadership (or admin) API key is exchanged once, at
 * `POST /dashboard/session`, for a random session token in an HttpOnly, SameSite=Strict cookie
 * scoped to `/dashboard` (Secure when the request came over https). The guard accepts that cookie
 * only on routes whose matrix entry says `session: 'cookie'` — the page, its script and style, and
 * its live stream — never on the API. Only the token's hash is stored, with the key it came from, so
 * revoking or expiring the key ends its sessions at once, on every corral instance.
 */
export const SESSION_COOKIE = 'corral_dashboard';
export const SESSION_HOURS = 12;

/** How a matrix entry takes credentials besides the bearer header. */
export type SessionUse = 'cookie' | 'exchange';

export class DashboardSessions {
  private readonly rows: DashboardSessionRepository;

  constructor(
    db: DataSource,
    private readonly clock: Clock = systemClock,
  ) {
    this.rows = new DashboardSessionRepository(db);
  }

  async create(principal: Principal, now = this.clock.now()): Promise<{ token: string; expiresAt: Date }> {
    const token = `crs_${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3_600_000);
    await this.rows.insertPruning(hashKey(token), principal.id, expiresAt, now);
    return { token, expiresAt };
  }

  /** Signing out: the session is gone on every instance at once, whatever the browser keeps. */
  async end(token: string): Promise<void> {
    await this.rows.delete(hashKey(token));
  }

  async authenticate(token: string, now = this.clock.now()): Promise<Authentication> {
    const row = await this.rows.withKey(hashKey(token));
    if (!row) return { refused: 'unknown dashboard session: sign in again' };
    if (row.expires_at <= now) return { refused: 'dashboard session expired: sign in again' };
    if (row.revoked_at) return { refused: 'API key revoked' };
    if (row.key_expires_at && row.key_expires_at <= now) return { refused: 'API key expired' };
    return { kind: 'api-key', id: row.id, name: row.label, role: row.role };
  }
}

/**
 * Who is calling a route: the bearer header always wins; without one, a `cookie` route accepts the
 * dashboard session cookie and the `exchange` route accepts the key typed into the sign-in form.
 */
export async function authenticateRequest(request: FastifyRequest, use: SessionUse | undefined, authenticator: Authenticator, sessions: DashboardSessions): Promise<Authentication> {
  const header = request.headers.authorization;
  if (header || !use) return authenticator.authenticate(header);
  if (use === 'cookie') {
    const token = cookieOf(request.headers.cookie, SESSION_COOKIE);
    return token ? sessions.authenticate(token) : authenticator.authenticate(undefined);
  }
  const key = (request.body as { key?: unknown } | undefined)?.key;
  return typeof key === 'string' && key.trim() ? authenticator.authenticate(`Bearer ${key.trim()}`) : authenticator.authenticate(undefined);
}

export function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=') || undefined;
  }
  return undefined;
}

export function sessionCookie(token: string, expiresAt: Date, secure: boolean, now: Date): string {
  return cookie(token, Math.max(0, Math.floor((expiresAt.getTime() - now.getTime()) / 1000)), secure);
}

/** Tells the browser to drop the session cookie: same name, path and flags, no value, Max-Age 0. */
export function clearedSessionCookie(secure: boolean): string {
  return cookie('', 0, secure);
}

const cookie = (value: string, maxAge: number, secure: boolean) =>
  `${SESSION_COOKIE}=${value}; Path=/dashboard; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;

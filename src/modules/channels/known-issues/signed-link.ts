import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a link shows: one facility's problems, one system's, both, or all; until `expires` (epoch seconds). */
export interface LinkScope {
  facility?: string;
  system?: string;
  expires: number;
}

export type LinkCheck = { ok: true; scope: LinkScope } | { ok: false; reason: string };

const CODE = /^[a-z0-9][a-z0-9._:-]{0,63}$/;

/**
 * A link a ward can bookmark, or an intranet page embed, that opens the known-issues page without
 * a key: its scope and expiry signed with the deployment's link secret (HMAC-SHA256), so it cannot
 * be widened to another facility or kept past its date. Written here rather than as a JWT because
 * the scope must sit in the URL as plain parameters an administrator can read.
 */
export function signLink(secret: string, scope: LinkScope): string {
  return createHmac('sha256', secret).update(canonical(scope)).digest('base64url');
}

/** The link's query parameters, signature included. */
export function linkQuery(secret: string, scope: LinkScope): URLSearchParams {
  const query = new URLSearchParams();
  if (scope.facility) query.set('facility', scope.facility);
  if (scope.system) query.set('system', scope.system);
  query.set('expires', String(scope.expires));
  query.set('sig', signLink(secret, scope));
  return query;
}

/** Checks a request's `facility`, `system`, `expires` and `sig` against the secret at `nowMs`. */
export function checkLink(secret: string, query: Record<string, unknown>, nowMs: number): LinkCheck {
  const { facility, system, expires, sig } = query;
  if (typeof sig !== 'string' || typeof expires !== 'string') return { ok: false, reason: 'this page needs a signed link (ask the service desk for your ward\'s link) or an API key' };
  const scope = scopeOf(facility, system, expires);
  if (!scope.ok) return scope;
  const expected = Buffer.from(signLink(secret, scope.scope));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'the link\'s signature does not match: it was changed, or signed with another secret; ask the service desk for a new link' };
  if (scope.scope.expires * 1000 < nowMs) return { ok: false, reason: `the link expired on ${new Date(scope.scope.expires * 1000).toISOString().slice(0, 10)}; ask the service desk for a new one` };
  return scope;
}

/** A scope from request parameters, codes in canonical (lower) case. */
export function scopeOf(facility: unknown, system: unknown, expires: unknown): LinkCheck {
  const scope: LinkScope = { expires: Number(expires) };
  if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires)) return { ok: false, reason: 'expires must be a time in epoch seconds' };
  for (const [name, value] of [['facility', facility], ['system', system]] as const) {
    if (value === undefined || value === '') continue;
    if (typeof value !== 'string' || !CODE.test(value.toLowerCase())) return { ok: false, reason: `${name} must be a code such as lakeside` };
    scope[name] = value.toLowerCase();
  }
  return { ok: true, scope };
}

function canonical(scope: LinkScope): string {
  return `known-issues/v1|facility=${scope.facility ?? ''}|system=${scope.system ?? ''}|expires=${scope.expires}`;
}

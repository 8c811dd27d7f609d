import { createHmac } from 'node:crypto';

const TOKEN = /^rt_[A-Za-z0-9_-]{43}$/;

/**
 * Requesters are workforce identifiers: corral keeps only a keyed HMAC of them, enough to count
 * distinct people and to notify them through the helpdesk, never enough to name them. A value that
 * already is a corral token passes through, so tokenizing is idempotent.
 */
export function requesterToken(key: string, userIdOrToken: string): string {
  if (TOKEN.test(userIdOrToken)) return userIdOrToken;
  return `rt_${createHmac('sha256', key).update(userIdOrToken.trim().toLowerCase()).digest('base64url')}`;
}

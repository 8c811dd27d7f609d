import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Verdict } from './slack-signature.js';

/**
 * A Teams outgoing webhook's HMAC (learn.microsoft.com, "Create an Outgoing Webhook"):
 * `Authorization: HMAC <base64 HMAC-SHA256 of the body's bytes>`, keyed with the webhook's
 * base64-decoded security token; compared in constant time. Teams signs no time, so a recorded
 * request verifies again: the report id it makes is what keeps a replay from counting twice.
 */
export function verifyTeamsSignature(authorization: string | undefined, body: Buffer, key: Buffer): Verdict {
  const match = /^HMAC ([A-Za-z0-9+/]+={0,2})$/.exec(authorization?.trim() ?? '');
  if (!match?.[1]) return { ok: false, reason: 'no Teams signature: Authorization must be "HMAC <base64>"' };
  const expected = createHmac('sha256', key).update(body).digest();
  const given = Buffer.from(match[1], 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "the Teams HMAC does not match this body (another webhook, or a security token to check)" };
  return { ok: true };
}

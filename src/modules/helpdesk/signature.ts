import { systemClock } from '../../actors/clock.js';
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `X-Corral-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. Signing the
 * timestamp with the body lets a receiver refuse replays older than a few minutes. The system clock
 * (never a test's manual Clock): the receiver compares the timestamp with its own wall clock.
 */
export function signBody(secret: string, body: string, now = systemClock.now().getTime()): string {
  const t = Math.floor(now / 1000);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** What a receiver does (and corral's tests do): recompute and compare in constant time. */
export function verifySignature(secret: string, body: string, header: string, toleranceSeconds = 300, now = systemClock.now().getTime()): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || Math.abs(now / 1000 - t) > toleranceSeconds || !parts.v1) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's replay window: a request signed more than five minutes from corral's clock is refused. */
export const SLACK_MAX_SKEW_MS = 5 * 60_000;

export type Verdict = { ok: true } | { ok: false; reason: string };

export interface SlackSigned {
  /** X-Slack-Request-Timestamp: seconds since the epoch, when Slack signed it. */
  timestamp: string | undefined;
  /** X-Slack-Signature: `v0=` and the hex HMAC. */
  signature: string | undefined;
  /** The body's bytes exactly as they came. */
  body: Buffer;
}

/**
 * Slack's request signing (docs.slack.dev, "Verifying requests from Slack"): HMAC-SHA256 with the
 * app's signing secret over `v0:<timestamp>:<body>`, hex, as `v0=<hex>`; compared in constant time,
 * and only within five minutes of now, so a recorded request cannot be played back later.
 */
export function verifySlackSignature(request: SlackSigned, secret: string, nowMs: number): Verdict {
  const { timestamp, signature, body } = request;
  if (timestamp === undefined || signature === undefined) return { ok: false, reason: 'no Slack signature: X-Slack-Signature and X-Slack-Request-Timestamp are required' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'X-Slack-Request-Timestamp is not a time in seconds' };
  if (Math.abs(nowMs - Number(timestamp) * 1000) > SLACK_MAX_SKEW_MS) return { ok: false, reason: "the request was signed more than five minutes from corral's clock (a replay, or a clock to set right)" };
  const expected = Buffer.from(`v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`);
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'the Slack signature does not match this body (another app, or a signing secret to check)' };
  return { ok: true };
}

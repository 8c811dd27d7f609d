import type { onRequestHookHandler } from 'fastify';
import { refuseEarly } from '../http/api-exception.filter.js';
import type { RateLimiter } from './rate-limiter.js';

const PROBES = new Set(['/health/live', '/health/ready']);

/**
 * Refusals per client address, enforced before anything else costs: before the body is read,
 * before a key is looked up, before a role is checked. The per-key limit (AccessGuard) comes after
 * authentication, so floods of made-up keys (a database lookup each, unless remembered) and of
 * forbidden requests never reached it. What is counted is what such floods are made of — answers
 * 401 and 403 — so a busy integration host sending thousands of good requests a minute is never
 * slowed here (its key's limit applies); once an address has had its refusals for the minute,
 * every request from it is answered 429 until the window reopens.
 *
 * The address is Fastify's `request.ip`: the peer, or the client X-Forwarded-For names when
 * CORRAL_TRUST_PROXY trusts the proxy that sent it — never the header of an untrusted sender.
 * Probes without credentials pass: an orchestrator must not restart corral because someone
 * flooded it from the kubelet's address.
 *
 * Hand-written rather than @nestjs/throttler: the throttler is a guard, Nest runs guards after the
 * body parsers, and it counts requests, not refusals; this check must come first.
 */
export function clientAddressLimit(limiter: RateLimiter): onRequestHookHandler {
  return (request, reply, done) => {
    if (request.headers.authorization === undefined && PROBES.has(request.url.split('?', 1)[0])) return done();
    const address = `address:${request.ip}`;
    const retryAfter = limiter.peek(address, performance.now());
    if (retryAfter !== undefined) {
      refuseEarly(reply, 429, 'too many refused requests from this address; retry later', { 'retry-after': String(retryAfter) });
      return;
    }
    reply.raw.once('finish', () => {
      if (reply.raw.statusCode === 401 || reply.raw.statusCode === 403) limiter.take(address, performance.now());
    });
    done();
  };
}

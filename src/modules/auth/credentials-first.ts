import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { refuseEarly } from '../http/api-exception.filter.js';
import { NO_CREDENTIALS } from './authenticator.js';

/**
 * Refuses a request that comes with a body but with no credentials at all, before the body is
 * read. The access guard decides who may call what, but Nest runs guards after the body parser:
 * anyone who could reach the port made corral read and parse up to HTTP_BODY_LIMIT per request
 * before hearing 401. Everything but the dashboard's sign-in form (its key comes in the body)
 * authenticates with a header: `Authorization`, or the dashboard's session cookie. A request
 * that names credentials is let through to the guard, which checks them.
 */
export function credentialsFirst(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const { headers } = request;
  const hasBody = (headers['content-length'] !== undefined && headers['content-length'] !== '0') || headers['transfer-encoding'] !== undefined;
  if (!hasBody || headers.authorization !== undefined || headers.cookie !== undefined || carriesOwnCredentials(request)) return done();
  // The connection closes: the rest of the body would only be read to be thrown away.
  refuseEarly(reply, 401, NO_CREDENTIALS, { 'www-authenticate': 'Bearer realm="corral"' });
}

/**
 * Routes whose credentials are not a corral header (access-matrix.ts `checkedByRoute`, checked by
 * the route before it reads the body): the dashboard's sign-in form (the key is in the body),
 * Slack's signed requests (its signature headers), and the known-issues "me too" of a signed link
 * (its query). Teams signs with an `Authorization` header, which passes above.
 */
function carriesOwnCredentials(request: FastifyRequest): boolean {
  const [path = '', query = ''] = request.url.split('?', 2);
  if (request.method !== 'POST') return false;
  if (path === '/dashboard/session') return true;
  if (path.startsWith('/v1/channels/slack/')) return request.headers['x-slack-signature'] !== undefined;
  return /^\/(?:v1\/)?known-issues\/[^/]+\/me-too$/.test(path) && /(?:^|&)sig=/.test(query);
}

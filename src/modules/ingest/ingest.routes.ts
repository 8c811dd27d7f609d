import type { FastifyReply } from 'fastify';
import type { AuthedRequest } from '../auth/request-context.js';
import { refuseControlCharacters } from '../http/control-characters.pipe.js';
import { correlationIdOf } from '../http/correlation-id.js';
import { InvalidInputError, NotFoundError } from '../http/domain-errors.js';
import type { PlainRoute } from '../http/plain-routes.js';
import type { Inbox } from '../inbox/inbox.service.js';
import type { IngestService } from './ingest.service.js';
import { InvalidJsonError } from './json-body.js';
import type { NativeIngestService } from './native-ingest.service.js';
import { isNativeSource, NATIVE_SOURCES } from './sources/registry.js';
import { requestedWait } from './wait.js';

/**
 * The ingest routes' handlers, served outside Nest (http/plain-routes.ts); their controllers
 * (events.controller.ts, native-ingest.controller.ts) declare them for the OpenAPI document. Each
 * does what Nest's pipes and interceptors did for it: a query (and the `:source` parameter) holding
 * a control character is refused as ControlCharactersPipe refuses it, the Okta verification GET
 * carries the freshness headers FreshnessInterceptor sets on every GET under /v1. A JSON body
 * arrives as its raw bytes (http/body-parsers.ts) and is parsed by the ingest services, which
 * refuse one that is not JSON as Fastify's parser did.
 */
/** The ingest routes, as the access matrix names them: served here, and left out of pino-http's middleware (app.module.ts). */
export const INGEST_ROUTES = ['POST /v1/events', 'POST /v1/ingest/pagerduty', 'GET /v1/ingest/okta', 'POST /v1/ingest/okta', 'POST /v1/ingest/hl7', 'POST /v1/ingest/:source'] as const;

/** `GET /v1/ingest/okta` → its method and path. */
export function methodAndPath(key: (typeof INGEST_ROUTES)[number]): { method: PlainRoute['method']; url: string } {
  const [method, url] = key.split(' ') as [PlainRoute['method'], string];
  return { method, url };
}

export function ingestRoutes(ingest: IngestService, native: NativeIngestService, inbox: Inbox): PlainRoute[] {
  const handlers: Record<(typeof INGEST_ROUTES)[number], PlainRoute['handler']> = {
    'POST /v1/events': async (request, reply) => {
      refuseControlQuery(request);
      const result = await ingest.ingestHttp(request.body, correlationIdOf(request), waitOf(request));
      void reply.code(202);
      return result;
    },
    'POST /v1/ingest/pagerduty': async (request, reply) => {
      refuseControlQuery(request);
      try {
        const result = await native.ingestHttp('pagerduty', requireBody(request.body), correlationIdOf(request), waitOf(request));
        const waited = result.incidents ? { correlated: result.correlated, incidents: result.incidents } : {};
        void reply.code(202);
        return { status: 'success', message: 'Event processed', dedup_key: result.dedupKey, ...waited };
      } catch (error) {
        // A body that is not JSON was refused by the parser, in corral's shape, before this route ran; it still is.
        if (!(error instanceof InvalidInputError) || error instanceof InvalidJsonError) throw error;
        // PagerDuty's own error shape, plus corral's, so either kind of client can read it.
        void reply.code(400);
        return { status: 'invalid event', message: 'Event object is invalid', errors: [error.message], statusCode: 400, error: 'Bad Request', details: error.details };
      }
    },
    // The verification answers no query: none is looked at (nor was it by Nest's pipes).
    'GET /v1/ingest/okta': (request, reply) => {
      setFreshnessHeaders(request, reply, inbox);
      const challenge = request.headers['x-okta-verification-challenge'];
      if (!challenge) throw new InvalidInputError('missing header X-Okta-Verification-Challenge', [{ field: 'x-okta-verification-challenge', problems: ['missing'] }]);
      return Promise.resolve({ verification: challenge });
    },
    // Okta expects a 200.
    'POST /v1/ingest/okta': async (request) => {
      refuseControlQuery(request);
      return native.ingestHttp('okta', requireBody(request.body), correlationIdOf(request), waitOf(request));
    },
    'POST /v1/ingest/hl7': async (request, reply) => {
      refuseControlQuery(request);
      const body = request.body;
      if (typeof body !== 'string') throw new InvalidInputError('expected HL7 v2 text with content-type x-application/hl7-v2+er7 or text/plain', [{ field: 'body', problems: ['must be HL7 v2 text'] }]);
      const result = await native.ingestHttp('hl7', body, correlationIdOf(request), waitOf(request));
      void reply.code(202);
      return result;
    },
    'POST /v1/ingest/:source': async (request, reply) => {
      const source = request.params.source;
      // The parameter first, as Nest's pipes took the handler's arguments in order.
      refuseControlCharacters(source, 'source', 'param');
      refuseControlQuery(request);
      if (source === undefined || !isNativeSource(source)) throw new NotFoundError(`no adapter for "${source}"; sources: ${NATIVE_SOURCES.join(', ')}`);
      const result = await native.ingestHttp(source, requireBody(request.body), correlationIdOf(request), waitOf(request));
      void reply.code(202);
      return result;
    },
  };
  return INGEST_ROUTES.map((key) => ({ ...methodAndPath(key), handler: handlers[key] }));
}

/** Refused as ControlCharactersPipe refused a query holding a control character: before the handler ran. */
function refuseControlQuery(request: AuthedRequest): void {
  refuseControlCharacters(request.query, '', 'query');
}

/** `?wait=correlated` / `Prefer: wait=`, read where the controllers read them: after the body's first checks. */
function waitOf(request: AuthedRequest): number | undefined {
  return requestedWait(request.query, request.headers.prefer);
}

/** What a JSON route got when the caller sent no JSON at all (another content type, or nothing). */
function requireBody(body: unknown): unknown {
  if (body === undefined) throw new InvalidInputError('expected a JSON body with content-type application/json', [{ field: 'body', problems: ['missing'] }]);
  return body;
}

/** FreshnessInterceptor's headers, where it set them: on a GET under /v1, when there is an inbox. */
function setFreshnessHeaders(request: AuthedRequest, reply: FastifyReply, inbox: Inbox): void {
  if (!inbox.enabled || request.method !== 'GET' || !request.url.startsWith('/v1/')) return;
  const asOf = inbox.freshness();
  void reply.header('Corral-As-Of', asOf.at);
  void reply.header('Corral-Inbox-Position', String(asOf.position));
  void reply.header('Corral-Inbox-Pending', String(asOf.pending));
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { stdSerializers } from 'pino';
import type { Options } from 'pino-http';
import { correlationIdOf } from './correlation-id.js';

/** The key pino-http binds each request under on its per-request logger; nothing is written for it. */
const UNWRITTEN = 'unwrittenRequest';

/**
 * pino-http's options: one access line per request (`info`), with the request (method, url,
 * headers with credentials redacted), the response and the time taken, and the correlation id on
 * every line logged while the request is handled.
 *
 * pino-http binds the request to a per-request logger, and pino serializes bindings as they are
 * made: the request was serialized and redacted at every request, even at `warn` where the access
 * line is never written: about a quarter of corral's CPU per one-alert request (BENCHMARKS.md,
 * ninth session). Here that binding serializes to nothing, and the request goes into the access
 * line itself, serialized only when the line is written.
 */
export function accessLogOptions(level: string): Options {
  return {
    level,
    // Fastify made the correlation id the request's id (bootstrap.ts); middie hands it to this middleware.
    genReqId: (request) => correlationIdOf(request),
    customAttributeKeys: { reqId: 'correlationId', req: UNWRITTEN },
    quietReqLogger: true,
    quietResLogger: true,
    // Not wrapped: pino-http wraps the serializers it is given in the standard ones, which these are.
    wrapSerializers: false,
    serializers: { req: stdSerializers.req, res: stdSerializers.res, err: stdSerializers.err, [UNWRITTEN]: () => undefined },
    customSuccessObject: (request: IncomingMessage, _response: ServerResponse, line: object) => ({ req: request, ...line }),
    customErrorObject: (request: IncomingMessage, _response: ServerResponse, _error: Error, line: object) => ({ req: request, ...line }),
    // Request bodies are never logged: they may hold what the privacy filter exists to remove.
    // Bearer keys and tokens never reach a log line, however a client spells the header.
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'req.headers["proxy-authorization"]', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    autoLogging: { ignore: (request) => request.url?.startsWith('/health') ?? false },
  };
}

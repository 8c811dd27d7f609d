import type { IncomingMessage, ServerResponse } from 'node:http';
import type { onRequestHookHandler } from 'fastify';
import { stdSerializers, type Logger } from 'pino';
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

/** The level pino-http writes its access line at (its `useLevel` default, which accessLogOptions keeps). */
const ACCESS_LINE_LEVEL = 'info';

/**
 * pino-http's access line for the routes it is kept away from (the plain ingest routes; see
 * app.module.ts): the same line — the correlation id, the request and the response through the
 * same logger's serializers and redaction, the time taken, 'request completed' / 'request aborted'
 * / 'request errored' (status ≥ 500, with `err`) — written when the response finishes or the
 * client goes away. What it does not do is what cost pino-http ~25 µs a request even at `warn`,
 * where the line is never written: a child logger per request, and the request context around the
 * handler. Here nothing at all is done unless `info` is enabled. `logger()`: read per request, as
 * nestjs-pino sets its root logger only once the application starts.
 */
export function plainRouteAccessLine(logger: () => Logger | undefined): onRequestHookHandler {
  return (request, reply, done) => {
    const log = logger();
    // pino-http saw this request after all (a spelling its exclusion missed; it leaves `allLogs`): its line is enough.
    if (!log?.isLevelEnabled(ACCESS_LINE_LEVEL) || (request.raw as { allLogs?: unknown }).allLogs !== undefined) return done();
    const started = performance.now();
    const response = reply.raw;
    const finished = () => {
      response.removeListener('close', finished);
      response.removeListener('finish', finished);
      const line = { correlationId: request.id, req: request.raw, res: response };
      const responseTime = Math.round(performance.now() - started);
      if (response.statusCode >= 500) log[ACCESS_LINE_LEVEL]({ ...line, err: new Error(`failed with status code ${response.statusCode}`), responseTime }, 'request errored');
      else log[ACCESS_LINE_LEVEL]({ ...line, responseTime }, !request.raw.readableAborted && response.writableEnded ? 'request completed' : 'request aborted');
    };
    response.on('close', finished);
    response.on('finish', finished);
    done();
  };
}

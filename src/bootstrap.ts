import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from 'helmet';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppModule, type AppOverrides } from './app.module.js';
import type { CorralConfig } from './modules/config/corral-config.js';
import { AccessCheck } from './modules/auth/access-check.js';
import { clientAddressLimit } from './modules/auth/client-address-limit.js';
import { credentialsFirst } from './modules/auth/credentials-first.js';
import { RateLimiter } from './modules/auth/rate-limiter.js';
import { plainRouteAccessLine } from './modules/http/access-log.js';
import { ApiExceptionFilter } from './modules/http/api-exception.filter.js';
import { bodyLimitBytes, registerBodyParsers } from './modules/http/body-parsers.js';
import { ControlCharactersPipe } from './modules/http/control-characters.pipe.js';
import { FRESHNESS_HEADERS } from './modules/inbox/freshness.js';
import { CORRELATION_HEADER, correlationIdFor } from './modules/http/correlation-id.js';
import { setUpOpenApi } from './modules/http/openapi.js';
import { servePlainRoutes } from './modules/http/plain-routes.js';
import { Inbox } from './modules/inbox/inbox.service.js';
import { ingestRoutes } from './modules/ingest/ingest.routes.js';
import { IngestService } from './modules/ingest/ingest.service.js';
import { NativeIngestService } from './modules/ingest/native-ingest.service.js';
import { VALIDATOR_OPTIONS } from './modules/http/validation.js';
import { ShutdownGate } from './modules/http/shutdown-gate.js';
import { httpMetrics } from './modules/metrics/http-metrics.js';
import { MetricsService } from './modules/metrics/metrics.service.js';
import { QuietFrameworkLogger } from './startup-log.js';

/**
 * Connections the kernel holds for corral to accept (listen's backlog; Linux caps it at
 * net.core.somaxconn, 4096 by default since 5.4). Node's default, 511, overflowed when a sender
 * opened many connections at once — the issue's open loop grows to 2,048 when answers lag: the
 * kernel dropped the handshakes' last ACK, pruned those half-open connections after a couple of
 * SYN-ACK retries while the queue stayed full, and answered the requests the clients had already
 * sent on them with a reset (ECONNRESET: 525 of 50,000 at 5,000/s, with ListenOverflows counting).
 */
export const LISTEN_BACKLOG = 4096;

/**
 * How long a stopping server waits for connections still open once every request has been
 * answered (the hooks before the HTTP server closes drained intake): a client that stopped reading
 * a large answer (the API docs' script, say) would otherwise hold the stop until its socket is
 * collected. Fastify closes idle keep-alive connections itself; these are the busy ones.
 */
export const CLOSE_GRACE_MS = 5000;

/**
 * Builds the whole application; main.ts and the end-to-end tests start corral the same way.
 *
 * On Fastify rather than Express (issue 23): Express's router, its middleware chain and
 * body-parser cost a one-event ingest request about 250 µs of CPU before corral's code ran
 * (`npm run bench:http-stack`), at the 5,000 requests/s the ingest routes must take.
 */
export async function createApp(config: CorralConfig, overrides: AppOverrides = {}): Promise<NestFastifyApplication> {
  const bodyLimit = bodyLimitBytes(config.httpBodyLimit);
  const adapter = new FastifyAdapter({
    bodyLimit,
    // The correlation id is the request's id: a caller's safe x-correlation-id, or a fresh UUID.
    genReqId: correlationIdFor,
    // Behind a TLS-terminating proxy, request.protocol (the dashboard cookie's Secure flag) and the
    // client address come from X-Forwarded-* — but only from the proxies named here.
    ...(config.auth.trustProxy !== undefined ? { trustProxy: trustedProxies(config.auth.trustProxy) } : {}),
    // As Express routed: /v1/events/ and /V1/Events are /v1/events; ids of any length reach the
    // route, which says what is wrong with them (Fastify's default answers 414 past 100 characters).
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 8192 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, overrides), adapter, { bufferLogs: true, bodyParser: false });
  app.useLogger(new QuietFrameworkLogger(app.get(Logger)));
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('preClose', (done) => {
    setTimeout(() => fastify.server.closeAllConnections(), CLOSE_GRACE_MS).unref();
    done();
  });
  // The edge, as `onRequest` hooks: Fastify runs them before it reads a body, in this order.
  // Timing first of all, so the refusals below are counted too.
  fastify.addHook('onRequest', httpMetrics(app.get(MetricsService).registry));
  fastify.addHook('onRequest', (request, reply, done) => {
    // On the Node response, so that every answer carries it, the streamed ones included.
    reply.raw.setHeader(CORRELATION_HEADER, request.id);
    done();
  });
  // Then the gate, so that a stopping corral refuses a request before reading its body.
  fastify.addHook('onRequest', app.get(ShutdownGate).hook);
  // Then the per-address limit, before any work is spent on a request (client-address-limit.ts).
  fastify.addHook('onRequest', clientAddressLimit(new RateLimiter(config.auth.refusalsPerAddressPerMinute)));
  // Security headers on every answer, set on the Node response so that errors and streams carry
  // them too; CORS stays off (no Access-Control-* at all) unless origins are configured.
  const securityHeaders = helmet();
  fastify.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error instanceof Error ? error : undefined)));
  // A browser client may read how fresh an answer is (freshness.ts): CORS hides other headers from it.
  // Joined here: @fastify/cors would join a list with ', ', and clients already read ','.
  if (config.auth.corsOrigins.length > 0) app.enableCors({ origin: config.auth.corsOrigins, allowedHeaders: ['authorization', 'content-type', 'x-correlation-id'], exposedHeaders: FRESHNESS_HEADERS.join(',') });
  fastify.addHook('onRequest', credentialsFirst);
  registerBodyParsers(fastify, bodyLimit);
  // The ingest routes, outside Nest's per-request pipeline (plain-routes.ts): set up before Nest registers its routes.
  const logContext = await app.resolve(PinoLogger);
  servePlainRoutes(fastify, ingestRoutes(app.get(IngestService), app.get(NativeIngestService), app.get(Inbox)), app.get(AccessCheck), {
    accessLine: plainRouteAccessLine(() => PinoLogger.root),
    withCorrelationId: (correlationId, log) => logContext.runInContext(log, { bindings: { correlationId } }),
  });
  app.useGlobalPipes(new ControlCharactersPipe(), new ValidationPipe({ ...VALIDATOR_OPTIONS, transform: true }));
  app.useGlobalFilters(new ApiExceptionFilter());
  setUpOpenApi(app);
  return app;
}

/**
 * CORRAL_TRUST_PROXY as Express read it: a number trusts that many hops from the socket (this
 * Fastify trusts none for a bare number), addresses and subnets are proxy-addr's list.
 */
function trustedProxies(trust: number | string): string | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

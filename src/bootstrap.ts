import 'reflect-metadata';
import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule, type AppOverrides } from './app.module.js';
import type { CorralConfig } from './modules/config/corral-config.js';
import { clientAddressLimit } from './modules/auth/client-address-limit.js';
import { credentialsFirst } from './modules/auth/credentials-first.js';
import { RateLimiter } from './modules/auth/rate-limiter.js';
import { ApiExceptionFilter } from './modules/http/api-exception.filter.js';
import { ControlCharactersPipe } from './modules/http/control-characters.pipe.js';
import { FRESHNESS_HEADERS } from './modules/inbox/freshness.js';
import { setUpOpenApi } from './modules/http/openapi.js';
import { VALIDATOR_OPTIONS } from './modules/http/validation.js';
import { ShutdownGate } from './modules/http/shutdown-gate.js';
import { httpMetrics } from './modules/metrics/http-metrics.js';
import { MetricsService } from './modules/metrics/metrics.service.js';
import { QuietFrameworkLogger } from './startup-log.js';

/** Builds the whole application; main.ts and the end-to-end tests start corral the same way. */
export async function createApp(config: CorralConfig, overrides: AppOverrides = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, overrides), { bufferLogs: true, bodyParser: false });
  app.useLogger(new QuietFrameworkLogger(app.get(Logger)));
  // Behind a TLS-terminating proxy, request.secure (the dashboard cookie's Secure flag) and the
  // client address come from X-Forwarded-* — but only from the proxies named here.
  if (config.auth.trustProxy !== undefined) app.set('trust proxy', config.auth.trustProxy);
  // Timing first of all, so the refusals below are counted too.
  app.use(httpMetrics(app.get(MetricsService).registry));
  // Then the gate, so that a stopping corral refuses a request before reading its body.
  app.use(app.get(ShutdownGate).middleware);
  // Then the per-address limit, before any work is spent on a request (client-address-limit.ts).
  app.use(clientAddressLimit(new RateLimiter(config.auth.refusalsPerAddressPerMinute)));
  // Security headers on every answer; CORS stays off (no Access-Control-* at all) unless origins are configured.
  app.use(helmet());
  // A browser client may read how fresh an answer is (freshness.ts): CORS hides other headers from it.
  if (config.auth.corsOrigins.length > 0) app.enableCors({ origin: config.auth.corsOrigins, allowedHeaders: ['authorization', 'content-type', 'x-correlation-id'], exposedHeaders: [...FRESHNESS_HEADERS] });
  app.use(credentialsFirst);
  app.useBodyParser('json', { limit: config.httpBodyLimit });
  app.useGlobalPipes(new ControlCharactersPipe(), new ValidationPipe({ ...VALIDATOR_OPTIONS, transform: true }));
  app.useGlobalFilters(new ApiExceptionFilter());
  setUpOpenApi(app);
  return app;
}

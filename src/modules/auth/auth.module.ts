import type { Clock } from '../../actors/clock.js';
import { CLOCK } from '../runtime/tokens.js';
import { Module, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { CorralConfig } from '../config/corral-config.js';
import { AccessCheck } from './access-check.js';
import { AccessGuard } from './access.guard.js';
import { ApiKeyCache } from './api-key-cache.js';
import { ApiKeys } from './api-keys.js';
import { Authenticator } from './authenticator.js';
import { DashboardSessions } from './dashboard-session.js';
import { ensureFirstAdmin } from './first-admin.js';
import { JwtVerifier } from './jwt-verifier.js';
import { RateLimiter } from './rate-limiter.js';
import { RoleViewInterceptor } from './role-view.interceptor.js';

class FirstAdmin implements OnApplicationBootstrap {
  constructor(
    private readonly db: DataSource,
    private readonly config: CorralConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureFirstAdmin(this.db, this.config.dataDir);
  }
}

/** The URL the DataSource was built with (createDataSource always passes one, embedded Postgres too). */
function connectionStringOf(db: DataSource): string {
  const { url } = db.options as { url?: string };
  if (!url) throw new Error('the DataSource has no url: API key change notifications need one');
  return url;
}

/** Authentication (API keys, optional OIDC tokens), the access matrix guard, per-key rate limits and role-shaped views. */
@Module({
  imports: [AuditModule],
  providers: [
    { provide: ApiKeyCache, inject: [DataSource], useFactory: (db: DataSource) => new ApiKeyCache(connectionStringOf(db)) },
    { provide: ApiKeys, inject: [DataSource, ApiKeyCache, CLOCK], useFactory: (db: DataSource, cache: ApiKeyCache, clock: Clock) => new ApiKeys(db, cache, clock) },
    {
      provide: Authenticator,
      inject: [ApiKeys, CorralConfig],
      useFactory: (keys: ApiKeys, config: CorralConfig) => new Authenticator(keys, config.auth.jwt ? new JwtVerifier(config.auth.jwt) : undefined),
    },
    { provide: RateLimiter, inject: [CorralConfig], useFactory: (config: CorralConfig) => new RateLimiter(config.auth.rateLimitPerMinute) },
    { provide: DashboardSessions, inject: [DataSource, CLOCK], useFactory: (db: DataSource, clock: Clock) => new DashboardSessions(db, clock) },
    {
      provide: AccessCheck,
      inject: [Authenticator, RateLimiter, AuditTrail, DashboardSessions],
      useFactory: (authenticator: Authenticator, limiter: RateLimiter, audit: AuditTrail, sessions: DashboardSessions) => new AccessCheck(authenticator, limiter, audit, sessions),
    },
    { provide: APP_GUARD, inject: [AccessCheck], useFactory: (access: AccessCheck) => new AccessGuard(access) },
    { provide: APP_INTERCEPTOR, inject: [CorralConfig], useFactory: (config: CorralConfig) => new RoleViewInterceptor(config.auth.smallCountThreshold) },
    { provide: FirstAdmin, inject: [DataSource, CorralConfig], useFactory: (db: DataSource, config: CorralConfig) => new FirstAdmin(db, config) },
  ],
  exports: [ApiKeys, DashboardSessions, AccessCheck],
})
export class AuthModule {}

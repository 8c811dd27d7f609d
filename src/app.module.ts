import { Module, RequestMethod, type DynamicModule } from '@nestjs/common';
import type { Clock } from './actors/clock.js';
import { LoggerModule } from 'nestjs-pino';
import { AuditModule } from './modules/audit/audit.module.js';
import { AuthModule } from './modules/auth/auth.module.js';
import { BlastRadiusModule } from './modules/blast-radius/blast-radius.module.js';
import { BusModule } from './modules/bus/bus.module.js';
import { ChannelsModule } from './modules/channels/channels.module.js';
import { ClusterModule } from './modules/cluster/cluster.module.js';
import { ConfigModule } from './modules/config/config.module.js';
import { DashboardModule } from './modules/dashboard/dashboard.module.js';
import type { CorralConfig } from './modules/config/corral-config.js';
import { DatabaseModule } from './modules/database/database.module.js';
import { HealthModule } from './modules/health/health.module.js';
import { HelpdeskModule } from './modules/helpdesk/helpdesk.module.js';
import { accessLogOptions } from './modules/http/access-log.js';
import { IncidentsModule } from './modules/incidents/incidents.module.js';
import { InboxModule } from './modules/inbox/inbox.module.js';
import { IngestModule } from './modules/ingest/ingest.module.js';
import { INGEST_ROUTES, methodAndPath } from './modules/ingest/ingest.routes.js';
import { MetricsModule } from './modules/metrics/metrics.module.js';
import { RetentionModule } from './modules/retention/retention.module.js';
import { RulesModule } from './modules/rules/rules.module.js';
import { RuntimeModule } from './modules/runtime/runtime.module.js';
import { ShutdownGate } from './modules/http/shutdown-gate.js';

/** What tests may replace; production passes none. */
export interface AppOverrides {
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot(config: CorralConfig, overrides: AppOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        // The ingest routes write pino-http's access line themselves, without its per-request cost (access-log.ts).
        LoggerModule.forRoot({ pinoHttp: accessLogOptions(config.logLevel), exclude: INGEST_ROUTES.map(methodAndPath).map(({ method, url }) => ({ path: url.slice(1), method: RequestMethod[method] })) }),
        DatabaseModule,
        BusModule,
        AuditModule,
        AuthModule,
        MetricsModule,
        RuntimeModule.forRoot(overrides.clock),
        ClusterModule,
        InboxModule,
        IngestModule,
        IncidentsModule,
        HelpdeskModule,
        ChannelsModule,
        HealthModule,
        BlastRadiusModule,
        DashboardModule,
        RetentionModule,
        RulesModule,
      ],
      providers: [ShutdownGate],
    };
  }
}

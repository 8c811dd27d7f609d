import { Controller, Get, Inject, Req, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { AuthedRequest } from '../auth/request-context.js';
import { DatabaseProbe } from '../database/database-probe.js';
import { MESSAGE_BUS, type MessageBus } from '../bus/message-bus.js';

/**
 * The probes answer without credentials (Docker's HEALTHCHECK and Kubernetes send none; the access
 * matrix makes both public). Readiness gives an anonymous caller its verdict only: what failed and
 * how (a host name, a driver message) is for a caller with a key.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly database: DatabaseProbe,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  /** The process is up; says nothing about its dependencies, so an orchestrator does not restart it for a DB blip. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  async ready(@Req() request: AuthedRequest): Promise<HealthCheckResult | { status: 'ok' }> {
    const check = this.health.check([
      () => this.indicator.check('db').attempt(() => this.database.ping()).withTimeout(3000),
      () => this.indicator.check('nats').attempt(async () => { await this.bus.ping(); return { transport: this.bus.kind }; }).withTimeout(3000),
    ]);
    if (request.principal) return check;
    try {
      await check;
      return { status: 'ok' };
    } catch {
      throw new ServiceUnavailableException('not ready: a dependency does not answer');
    }
  }
}

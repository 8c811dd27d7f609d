import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { MESSAGE_BUS, type MessageBus } from '../bus/message-bus.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly db: DataSource,
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
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.indicator.check('db').attempt(async () => { await this.db.query('SELECT 1'); }).withTimeout(3000),
      () => this.indicator.check('nats').attempt(async () => { await this.bus.ping(); return { transport: this.bus.kind }; }).withTimeout(3000),
    ]);
  }
}

import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import express from 'express';
import { AuthModule } from '../auth/auth.module.js';
import { BlastRadiusModule } from '../blast-radius/blast-radius.module.js';
import { DashboardAssets } from './dashboard.assets.js';
import { DashboardController } from './dashboard.controller.js';
import { DashboardService } from './dashboard.service.js';
import { DashboardSignIn } from './dashboard.sign-in.js';
import { DashboardStream } from './dashboard.stream.js';

/** The live leadership dashboard: page, script, style, its server-sent events and its sign-in. */
@Module({
  imports: [BlastRadiusModule, AuthModule],
  controllers: [DashboardController],
  providers: [DashboardAssets, DashboardService, DashboardStream, DashboardSignIn],
})
export class DashboardModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // The sign-in form posts application/x-www-form-urlencoded; nothing else in corral does.
    consumer.apply(express.urlencoded({ extended: false, limit: '2kb' })).forRoutes({ path: 'dashboard/session', method: RequestMethod.POST });
  }
}

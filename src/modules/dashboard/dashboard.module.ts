import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { BlastRadiusModule } from '../blast-radius/blast-radius.module.js';
import { DashboardAssets } from './dashboard.assets.js';
import { DashboardController } from './dashboard.controller.js';
import { DashboardReads } from './dashboard.reads.js';
import { DashboardService } from './dashboard.service.js';
import { DashboardSignIn } from './dashboard.sign-in.js';
import { DashboardStream } from './dashboard.stream.js';
import { SiteNames } from './site-names.js';

/** The live leadership dashboard: page, assets, its server-sent events and its sign-in. */
// The sign-in form's parser (application/x-www-form-urlencoded, 2 kB) is in http/body-parsers.ts.
@Module({
  imports: [BlastRadiusModule, AuthModule],
  controllers: [DashboardController],
  providers: [DashboardAssets, DashboardReads, DashboardService, DashboardStream, DashboardSignIn, SiteNames],
})
export class DashboardModule {}

import { Module } from '@nestjs/common';
import { BlastRadiusController } from './blast-radius.controller.js';
import { BlastRadiusService } from './blast-radius.service.js';
import { ChangeWatcher } from './change-watcher.js';
import { BlastRadiusReads } from './read-models.repository.js';
import { BlastRadiusTrends } from './trends.service.js';

/** Blast radius, outcomes, the series behind the dashboard's charts, and the shared change watcher its live stream listens to. */
@Module({
  controllers: [BlastRadiusController],
  providers: [BlastRadiusReads, BlastRadiusService, BlastRadiusTrends, ChangeWatcher],
  exports: [BlastRadiusService, BlastRadiusTrends, ChangeWatcher],
})
export class BlastRadiusModule {}

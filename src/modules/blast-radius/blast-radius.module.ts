import { Module } from '@nestjs/common';
import { BlastRadiusController } from './blast-radius.controller.js';
import { BlastRadiusService } from './blast-radius.service.js';
import { ChangeWatcher } from './change-watcher.js';
import { BlastRadiusReads } from './read-models.repository.js';

/** Blast radius, outcomes, and the shared change watcher the dashboard's live stream listens to. */
@Module({ controllers: [BlastRadiusController], providers: [BlastRadiusReads, BlastRadiusService, ChangeWatcher], exports: [BlastRadiusService, ChangeWatcher] })
export class BlastRadiusModule {}

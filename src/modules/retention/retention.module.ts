import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RetentionJob } from './retention-job.js';

/** JOURNAL_RETENTION_DAYS: the daily pass that forgets what is past retention (README "Retention"). */
@Module({ imports: [AuditModule], providers: [RetentionJob], exports: [RetentionJob] })
export class RetentionModule {}

import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RulesController } from './rules.controller.js';
import { RulesReloader } from './rules-reloader.js';

/** Rules reloaded without a restart (the runtime module loads them at start). */
@Module({ imports: [AuditModule], controllers: [RulesController], providers: [RulesReloader], exports: [RulesReloader] })
export class RulesModule {}

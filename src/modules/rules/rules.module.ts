import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { RulesController } from './rules.controller.js';
import { InboxRepository } from '../inbox/inbox.repository.js';
import { RulesReloader } from './rules-reloader.js';
import { ShadowRules } from './shadow-rules.js';

/** Rules reloaded without a restart (the runtime module loads them at start). */
@Module({ imports: [AuditModule], controllers: [RulesController], providers: [RulesReloader, ShadowRules, InboxRepository], exports: [RulesReloader] })
export class RulesModule {}

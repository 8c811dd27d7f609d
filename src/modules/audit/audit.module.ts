import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { Clock } from '../../actors/clock.js';
import { CorralConfig } from '../config/corral-config.js';
import { CLOCK } from '../runtime/tokens.js';
import { AccessAuditInterceptor } from './access-audit.interceptor.js';
import { AuditController } from './audit.controller.js';
import { AuditTrail } from './audit-trail.js';
import { AuditService } from './audit.service.js';
import { ChainCheckpoints } from './chain-checkpoints.service.js';

/** The access audit trail (written by an interceptor), the audit API, chain verification and the chains' signed checkpoints. */
@Module({
  controllers: [AuditController],
  providers: [
    { provide: AuditTrail, inject: [DataSource, CorralConfig, CLOCK], useFactory: (db: DataSource, config: CorralConfig, clock: Clock) => new AuditTrail(db, config.chain.keys, undefined, clock) },
    { provide: AuditService, inject: [DataSource, CorralConfig, CLOCK], useFactory: (db: DataSource, config: CorralConfig, clock: Clock) => new AuditService(db, config.helpdesk.publicUrl, config.chain, clock) },
    { provide: ChainCheckpoints, inject: [DataSource, CorralConfig], useFactory: (db: DataSource, config: CorralConfig) => new ChainCheckpoints(db, config.chain) },
    { provide: APP_INTERCEPTOR, inject: [AuditTrail], useFactory: (trail: AuditTrail) => new AccessAuditInterceptor(trail) },
  ],
  exports: [AuditTrail],
})
export class AuditModule {}

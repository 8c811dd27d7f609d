import { systemClock, type Clock } from '../../actors/clock.js';
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import type { DataSource } from 'typeorm';
import type { AuditPage } from './audit-entry.js';
import { toAuditBundle } from './audit-fhir.js';
import { readTrail } from './audit-log.js';
import { AuditLogRepository } from './audit-log.repository.js';
import type { AuditQuery } from './audit-query.js';
import { verifyChains, type VerifyReport, type VerifySettings } from './chain-verifier.js';

/** The auditor's API: the trail (JSON or FHIR) and the verification of both chains. */
export class AuditService {
  private readonly trail: AuditLogRepository;

  constructor(
    private readonly db: DataSource,
    private readonly publicUrl: string,
    private readonly chain: VerifySettings,
    private readonly clock: Clock = systemClock,
  ) {
    this.trail = new AuditLogRepository(db);
  }

  async list(query: AuditQuery): Promise<AuditPage | Bundle<AuditEvent>> {
    const page = await readTrail(this.trail, query);
    if (query.format !== 'fhir') return page;
    const { source, from, to, action, actor, target, limit } = query;
    return toAuditBundle(page, this.publicUrl, this.clock.now(), { source, from, to, action, actor, target, limit });
  }

  verify(): Promise<VerifyReport> {
    return verifyChains(this.db, this.chain);
  }
}

import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { ChainKeys } from '../../actors/chain-keys.js';
import { systemClock, type Clock } from '../../actors/clock.js';
import { UnavailableError } from '../http/domain-errors.js';
import { auditLink, GENESIS_HASH, storedAuditContent, type AuditContent } from './audit-chain.js';
import { AuditTrailRepository } from './audit-trail.repository.js';

export type AuditOutcome = AuditContent['outcome'];

export interface AuditRecord {
  actor: string;
  actorKind: 'api-key' | 'jwt' | 'cli' | 'system';
  role?: string | null;
  action: string;
  target?: string | null;
  ruleId?: string | null;
  outcome: AuditOutcome;
  correlationId: string;
  detail?: Record<string, unknown>;
}

export interface AuditTrailOptions {
  /** Rows appended in one transaction at most. */
  maxGroup: number;
  /** Rows waiting for their group at most; beyond, a request is refused (503) rather than served unaudited. */
  maxQueued: number;
}

interface Waiting {
  content: Omit<AuditContent, 'id'>;
  done: (error?: Error) => void;
}

/**
 * Appends to the access audit trail. Callers await `record` before answering, so a read that
 * could not be audited is not served; but they do not each take the chain's lock. Rows wait in a
 * bounded queue and are appended in groups, one transaction per group under a transaction-scoped
 * advisory lock: while one group commits, the next gathers, so N concurrent requests cost about
 * one commit instead of N commits in a row. Ids are the previous id + 1, assigned under the lock,
 * so the chain has no gaps by construction and a missing id means a missing row. The table's
 * triggers refuse any later UPDATE, DELETE or TRUNCATE.
 */
export class AuditTrail {
  private readonly logger = new Logger('Audit');
  private readonly waiting: Waiting[] = [];
  private flushing = false;
  private readonly repository: AuditTrailRepository;

  constructor(
    db: DataSource,
    private readonly keys: ChainKeys,
    private readonly options: AuditTrailOptions = { maxGroup: 200, maxQueued: 10_000 },
    private readonly clock: Clock = systemClock,
  ) {
    this.repository = new AuditTrailRepository(db);
  }

  record(entry: AuditRecord, at = this.clock.now()): Promise<void> {
    if (this.waiting.length >= this.options.maxQueued) return Promise.reject(new UnavailableError('the audit trail is behind; retry shortly', 1));
    const content = {
      recordedAt: at.toISOString(),
      actor: entry.actor,
      actorKind: entry.actorKind,
      role: entry.role ?? null,
      action: entry.action,
      target: entry.target ?? null,
      ruleId: entry.ruleId ?? null,
      outcome: entry.outcome,
      correlationId: entry.correlationId,
      detail: entry.detail ?? {},
    };
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ content, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.flushing) void this.flush();
    }).then(() => this.logger.debug(`${entry.actor} ${entry.action} ${entry.target ?? ''} → ${entry.outcome}`));
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, this.options.maxGroup);
        try {
          await this.append(group.map((w) => w.content));
          for (const w of group) w.done();
        } catch (error) {
          if (group.length === 1) group[0].done(asError(error));
          // One row the database refuses must not cost the others their audit: each goes alone.
          else for (const w of group) await this.append([w.content]).then(() => w.done(), (e: unknown) => w.done(asError(e)));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async append(contents: Array<Omit<AuditContent, 'id'>>): Promise<void> {
    await this.repository.transaction(async (tx) => {
      await this.repository.lockChain(tx);
      const last = await this.repository.newestRow(tx);
      let id = BigInt(last?.id ?? '0');
      let prevHash = last?.row_hash ?? GENESIS_HASH;
      const rows = contents.map((content) => {
        id += 1n;
        const stored = storedAuditContent({ id: id.toString(), ...content });
        const rowHash = auditLink(this.keys, prevHash, stored);
        const row = { ...stored, prevHash, rowHash };
        prevHash = rowHash;
        return row;
      });
      await this.repository.insert(tx, rows);
    });
  }
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error('the audit row could not be written'));

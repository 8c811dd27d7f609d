import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { ChainKeys } from '../../actors/chain-keys.js';
import { auditLink, GENESIS_HASH, storedAuditContent, type AuditContent } from './audit-chain.js';

/** Serialises writers of the one audit chain (every instance, the CLI), so no two rows claim the same predecessor. */
const CHAIN_LOCK = 0x636f7272616c; // "corral"

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

/**
 * Appends to the access audit trail. The row is linked to the previous one under a
 * transaction-scoped advisory lock, with the next id after the head's (no gaps by construction); the
 * table's triggers refuse any later UPDATE, DELETE or TRUNCATE. Callers await it before answering,
 * so a read that could not be audited is not served.
 */
export class AuditTrail {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly db: DataSource,
    private readonly keys: ChainKeys,
  ) {}

  async record(entry: AuditRecord, at = new Date()): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const [last] = await tx.query<Array<{ id: string; row_hash: string }>>('SELECT id::text AS id, row_hash FROM audit ORDER BY audit.id DESC LIMIT 1');
      const prevHash = last?.row_hash ?? GENESIS_HASH;
      const stored = storedAuditContent({
        id: (BigInt(last?.id ?? '0') + 1n).toString(),
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
      });
      await tx.query(
        `INSERT INTO audit (id, recorded_at, actor, actor_kind, role, action, target, rule_id, outcome, correlation_id, detail, prev_hash, row_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [stored.id, stored.recordedAt, stored.actor, stored.actorKind, stored.role, stored.action, stored.target, stored.ruleId, stored.outcome, stored.correlationId, stored.detail, prevHash, auditLink(this.keys, prevHash, stored)],
      );
    });
    this.logger.debug(`${entry.actor} ${entry.action} ${entry.target ?? ''} → ${entry.outcome}`);
  }
}

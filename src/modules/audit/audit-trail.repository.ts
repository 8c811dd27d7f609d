import type { DataSource, EntityManager } from 'typeorm';
import type { AuditContent } from './audit-chain.js';

/** Serialises writers of the one audit chain (every instance, the CLI), so no two rows claim the same predecessor. */
const CHAIN_LOCK = 0x636f7272616c; // "corral"

/** The newest audit row: the one the next row links to (and the head a checkpoint names). */
export const NEWEST_AUDIT_ROW = 'SELECT id::text AS id, row_hash FROM audit ORDER BY audit.id DESC LIMIT 1';

/** The audit chain's head as read back: id as text (bigint), and its link. */
export interface AuditHead {
  id: string;
  row_hash: string;
}

/** An audit row as the trail inserts it: the stored content (audit-chain.ts) and its links. */
export type LinkedAuditRow = AuditContent & { prevHash: string; rowHash: string };

/** The audit trail's writes (AuditTrail): one transaction per group, under the chain's lock, appending after the newest row. */
export class AuditTrailRepository {
  constructor(private readonly db: DataSource) {}

  /** Runs `work` in one transaction: the chain's lock, taken in it, is held until `work` returns and the transaction commits. */
  async transaction(work: (tx: EntityManager) => Promise<void>): Promise<void> {
    await this.db.transaction(work);
  }

  /** Takes the chain's lock in `tx` (transaction-scoped: released at commit or rollback), waiting for the writer that holds it. */
  async lockChain(tx: EntityManager): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
  }

  /** The newest row, read in `tx` under the chain's lock; undefined while the trail is empty. */
  async newestRow(tx: EntityManager): Promise<AuditHead | undefined> {
    const [last] = await tx.query<AuditHead[]>(NEWEST_AUDIT_ROW);
    return last;
  }

  /** Inserts a group of linked rows in `tx`: one statement and one parameter (jsonb_to_recordset), however many rows. */
  async insert(tx: EntityManager, rows: LinkedAuditRow[]): Promise<void> {
    await tx.query(
      `INSERT INTO audit (id, recorded_at, actor, actor_kind, role, action, target, rule_id, outcome, correlation_id, detail, prev_hash, row_hash)
         SELECT x.id, x."recordedAt", x.actor, x."actorKind", x.role, x.action, x.target, x."ruleId", x.outcome, x."correlationId", x.detail, x."prevHash", x."rowHash"
           FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, "recordedAt" timestamptz, actor text, "actorKind" text, role text, action text, target text,
                "ruleId" text, outcome smallint, "correlationId" text, detail jsonb, "prevHash" text, "rowHash" text)`,
      [JSON.stringify(rows)],
    );
  }
}

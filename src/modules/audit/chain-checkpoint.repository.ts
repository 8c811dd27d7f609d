import type { DataSource } from 'typeorm';
import { NEWEST_AUDIT_ROW, type AuditHead } from './audit-trail.repository.js';
import type { ChainCheckpoint } from './chain-checkpoint.js';

/** What a checkpoint (chain-checkpoint.ts) records, read from the database: the audit head and the journal's totals. */
export class ChainCheckpointRepository {
  constructor(private readonly db: DataSource) {}

  /** The heads as they are now. `clock_timestamp()` is read after the snapshot, so no row counted was recorded later. */
  async readHeads(): Promise<ChainCheckpoint> {
    const [audit] = await this.db.query<AuditHead[]>(NEWEST_AUDIT_ROW);
    const [journal] = await this.db.query<[{ rows: string; chains: string; at: Date }]>(
      'SELECT coalesce(sum(seq), 0)::text AS rows, count(*)::text AS chains, clock_timestamp() AS at FROM actor_snapshot',
    );
    return { v: 1, at: journal.at.toISOString(), audit: { lastId: audit?.id ?? '0', headHash: audit?.row_hash ?? '' }, journal: { rows: journal.rows, chains: journal.chains } };
  }
}

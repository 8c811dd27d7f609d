import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Input } from '../../correlation/inputs.js';

/** A decision to send on to the instance that owns its actor, as a batch committed it. */
export interface ForwardRow {
  id: string;
  partition: number;
  subject_token: string;
  payload: Input;
}

/**
 * Locked FOR UPDATE SKIP LOCKED so that any number of instances may relay at once: each takes rows
 * nobody else holds, and a row stays locked until the transaction that published it deletes it.
 */
const LOCK_OLDEST = `SELECT id, partition, subject_token, payload FROM cluster_forward ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`;

/** The forward relay's SQL (ForwardRelay): `cluster_forward` rows locked, deleted once published, and counted. */
@Injectable()
export class ClusterForwardRepository {
  constructor(private readonly db: DataSource) {}

  /** Runs `work` in one transaction: the rows it locks stay locked, and its deletes uncommitted, until `work` returns. */
  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  /** Up to `limit` rows, oldest first, locked in `tx`; rows another transaction holds are skipped. */
  lockOldest(tx: EntityManager, limit: number): Promise<ForwardRow[]> {
    return tx.query<ForwardRow[]>(LOCK_OLDEST, [limit]);
  }

  /** Deletes rows sent on, in the transaction that locked them (`tx`). */
  async deleteSent(tx: EntityManager, ids: string[]): Promise<void> {
    await tx.query(`DELETE FROM cluster_forward WHERE id = ANY($1::bigint[])`, [ids]);
  }

  /** How many rows wait to be sent on (GET /v1/cluster, corral_cluster_forwards_pending). */
  async depth(): Promise<number> {
    const [row] = await this.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM cluster_forward`);
    return row?.n ?? 0;
  }
}

import type { DataSource } from 'typeorm';
import type { MessageBus } from '../bus/message-bus.js';
import type { Input } from '../../correlation/inputs.js';
import { encodeSig } from './cluster-router.js';

/**
 * Sends on what a batch decided for actors another instance owns (rows of `cluster_forward`,
 * committed with the batch). Any instance may run it: rows are taken `FOR UPDATE SKIP LOCKED` and
 * deleted in the transaction that published them; a crash between publishing and COMMIT publishes
 * again under the same Nats-Msg-Id, which JetStream drops within its duplicate window.
 */
export class ForwardRelay {
  constructor(
    private readonly db: DataSource,
    private readonly bus: MessageBus,
  ) {}

  async pass(limit = 500): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<Array<{ id: string; partition: number; subject_token: string; payload: Input }>>(
        `SELECT id, partition, subject_token, payload FROM cluster_forward ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit],
      );
      if (rows.length === 0) return 0;
      await Promise.all(rows.map((r) => this.bus.publish(this.bus.subjects.sig(r.partition, r.subject_token), encodeSig(r.payload), { msgId: `fwd:${r.id}` })));
      await tx.query(`DELETE FROM cluster_forward WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  async depth(): Promise<number> {
    const [row] = await this.db.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM cluster_forward`);
    return row?.n ?? 0;
  }
}

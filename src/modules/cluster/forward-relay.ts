import type { MessageBus } from '../bus/message-bus.js';
import type { ClusterForwardRepository } from './cluster-forward.repository.js';
import { encodeSig } from './cluster-router.js';

/**
 * Sends on what a batch decided for actors another instance owns (rows of `cluster_forward`,
 * committed with the batch). Any instance may run it: rows are taken `FOR UPDATE SKIP LOCKED` and
 * deleted in the transaction that published them; a crash between publishing and COMMIT publishes
 * again under the same Nats-Msg-Id, which JetStream drops within its duplicate window.
 */
export class ForwardRelay {
  constructor(
    private readonly forwards: ClusterForwardRepository,
    private readonly bus: MessageBus,
  ) {}

  async pass(limit = 500): Promise<number> {
    return this.forwards.transaction(async (tx) => {
      const rows = await this.forwards.lockOldest(tx, limit);
      if (rows.length === 0) return 0;
      await Promise.all(rows.map((r) => this.bus.publish(this.bus.subjects.sig(r.partition, r.subject_token), encodeSig(r.payload), { msgId: `fwd:${r.id}` })));
      await this.forwards.deleteSent(tx, rows.map((r) => r.id));
      return rows.length;
    });
  }

  depth(): Promise<number> {
    return this.forwards.depth();
  }
}

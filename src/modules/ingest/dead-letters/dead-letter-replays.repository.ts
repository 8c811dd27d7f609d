import type { DataSource } from 'typeorm';
import { DeadLetterReplayRow, DeadLetterRow } from './dead-letter.entity.js';

export type ReplayOutcome = DeadLetterReplayRow['outcome'];

/** What `corral dlq replay` reads and writes: letters not yet accepted, and one row per attempt. */
export class DeadLetterReplays {
  constructor(private readonly db: DataSource) {}

  /** Oldest first, so a replay re-creates events in the order they first came. */
  async pending(filter: { reason?: string | undefined; source?: string | undefined; limit: number }): Promise<DeadLetterRow[]> {
    const select = this.db.getRepository(DeadLetterRow).createQueryBuilder('d').where(`d.replay_outcome IS DISTINCT FROM 'accepted'`).orderBy('d.id', 'ASC').limit(filter.limit);
    if (filter.reason) select.andWhere('d.reason = :reason', { reason: filter.reason });
    if (filter.source) select.andWhere('d.source = :source', { source: filter.source });
    return select.getMany();
  }

  /** The attempt and the letter's latest outcome, together. */
  async record(letterId: string, attempt: { at: Date; outcome: ReplayOutcome; detail: string; by: string }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.getRepository(DeadLetterReplayRow).insert({ deadLetterId: letterId, ...attempt, detail: attempt.detail.slice(0, 2000) });
      await tx.getRepository(DeadLetterRow).update({ id: letterId }, { replayedAt: attempt.at, replayOutcome: attempt.outcome });
    });
  }
}

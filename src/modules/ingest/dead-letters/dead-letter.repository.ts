import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeadLetterRow } from './dead-letter.entity.js';

/** The dead_letter table as intake writes it and the API lists it (replays: dead-letter-replays.repository.ts). */
@Injectable()
export class DeadLetterRepository {
  constructor(private readonly db: DataSource) {}

  async insert(letter: Pick<DeadLetterRow, 'reason' | 'source' | 'subject' | 'detail' | 'body' | 'receivedAt'>): Promise<void> {
    await this.db.getRepository(DeadLetterRow).insert(letter);
  }

  /** Newest first, at most `limit` rows with an id below `before`. */
  async page(filter: { reason?: string | undefined; source?: string | undefined; before?: string | undefined }, limit: number): Promise<DeadLetterRow[]> {
    const select = this.db.getRepository(DeadLetterRow).createQueryBuilder('d').orderBy('d.id', 'DESC').limit(limit);
    if (filter.reason) select.andWhere('d.reason = :reason', { reason: filter.reason });
    if (filter.source) select.andWhere('d.source = :source', { source: filter.source });
    if (filter.before) select.andWhere('d.id < :cursor', { cursor: filter.before });
    return select.getMany();
  }
}

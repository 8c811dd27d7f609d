import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IncidentChildRow, IncidentRow, JournalRow } from '../database/entities.js';

/** Filters of the incident list, and where a page starts (the last row of the page before). */
export interface IncidentFilter {
  status?: string;
  system?: string;
  queue?: string;
  after?: { lastSeen: string; id: string };
}

/** The incident read models the actors keep current, and an incident's journal rows, as the API reads them. */
@Injectable()
export class IncidentRepository {
  constructor(private readonly db: DataSource) {}

  /** Newest activity first, at most `limit` rows after `filter.after`. */
  async page(filter: IncidentFilter, limit: number): Promise<IncidentRow[]> {
    const qb = this.db.getRepository(IncidentRow).createQueryBuilder('i');
    if (filter.status) qb.andWhere('i.status = :status', { status: filter.status });
    if (filter.system) qb.andWhere('i.system = :system', { system: filter.system });
    if (filter.queue) qb.andWhere('i.queue = :queue', { queue: filter.queue });
    if (filter.after) {
      // Keyset pagination: stable while new incidents arrive, unlike OFFSET. The recency bound
      // follows from the other one; it is there so that the index can start at the cursor.
      qb.andWhere('(i.last_seen, i.id) < (:lastSeen, :id)', filter.after);
      qb.andWhere(`i.recency <= date_trunc('minute', CAST(:lastSeen AS timestamptz) AT TIME ZONE 'UTC')`, filter.after);
    }
    // Newest activity first. `recency` is last_seen to the minute (migration 1765000000000): the
    // index is on it, so that updates within a minute leave the indexes alone, and rows within
    // one minute are sorted by last_seen as they are read (an incremental sort). Same order.
    return qb.orderBy('i.recency', 'DESC').addOrderBy('i.last_seen', 'DESC').addOrderBy('i.id', 'DESC').take(limit).getMany();
  }

  async exists(id: string): Promise<boolean> {
    return this.db.getRepository(IncidentRow).existsBy({ id });
  }

  async byId(id: string): Promise<IncidentRow | null> {
    return this.db.getRepository(IncidentRow).findOneBy({ id });
  }

  /** The incident's journal rows after `afterSeq`, oldest first. */
  async journal(id: string, afterSeq: number, limit: number): Promise<JournalRow[]> {
    return this.db.getRepository(JournalRow).createQueryBuilder('j').where('j.incident_id = :id AND j.seq > :after', { id, after: afterSeq }).orderBy('j.seq', 'ASC').take(limit).getMany();
  }

  /**
   * The incident row and its children in one snapshot: they are written in one commit, and read
   * apart they could show a resolved child under an incident still open.
   */
  async withChildren(id: string): Promise<{ row: IncidentRow; children: IncidentChildRow[] } | null> {
    return this.db.transaction('REPEATABLE READ', async (tx) => {
      const row = await tx.getRepository(IncidentRow).findOneBy({ id });
      if (!row) return null;
      const children = await tx.getRepository(IncidentChildRow).find({ where: { incidentId: id }, order: { firstSeen: 'ASC', childKey: 'ASC' } });
      return { row, children };
    });
  }
}

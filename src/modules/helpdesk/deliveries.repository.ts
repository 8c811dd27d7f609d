import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface DeliveryRow {
  outbox_id: string;
  event_key: string;
  type: string;
  incident_id: string;
  queue: string;
  destination: string;
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
  sent_at: Date | null;
}

export interface BlockedLaneRow {
  destination: string;
  incident_id: string;
  event_key: string;
  type: string;
  attempts: number;
  last_error: string | null;
  waiting: number;
}

/** The outbox's deliveries as operators read and repair them (the relay's hot-path SQL is OutboxRepository). */
@Injectable()
export class DeliveriesRepository {
  constructor(private readonly db: DataSource) {}

  page(filter: { status?: string; destination?: string; after: number; limit: number }): Promise<DeliveryRow[]> {
    return this.db.query<DeliveryRow[]>(
      `SELECT d.outbox_id, o.event_key, o.type, o.incident_id, o.queue, d.destination, d.status, d.attempts, d.last_error, d.next_attempt_at, d.sent_at
         FROM outbox_delivery d JOIN outbox o ON o.id = d.outbox_id
        WHERE ($1::text IS NULL OR d.status = $1) AND ($2::text IS NULL OR d.destination = $2) AND d.outbox_id > $3
        ORDER BY d.outbox_id, d.destination LIMIT $4`,
      [filter.status ?? null, filter.destination ?? null, filter.after, filter.limit],
    );
  }

  /** Lanes (destination × incident) held by a dead delivery, with how many wait behind it. */
  blockedLanes(): Promise<BlockedLaneRow[]> {
    return this.db.query<BlockedLaneRow[]>(
      `SELECT DISTINCT ON (d.destination, d.incident_id) d.destination, d.incident_id, o.event_key, o.type, d.attempts, d.last_error,
              (SELECT count(*)::int FROM outbox_delivery w WHERE w.destination = d.destination AND w.incident_id = d.incident_id AND w.status = 'pending') AS waiting
         FROM outbox_delivery d JOIN outbox o ON o.id = d.outbox_id
        WHERE d.status = 'dead'
        ORDER BY d.destination, d.incident_id, d.outbox_id LIMIT 1000`,
    );
  }

  /** Dead deliveries back to pending at once; how many. */
  async requeueDead(destination?: string, incidentId?: string): Promise<number> {
    return affected(
      await this.db.query<unknown>(
        `UPDATE outbox_delivery SET status = 'pending', attempts = 0, next_attempt_at = now()
          WHERE status = 'dead' AND ($1::text IS NULL OR destination = $1) AND ($2::uuid IS NULL OR incident_id = $2)`,
        [destination ?? null, incidentId ?? null],
      ),
    );
  }

  /** A lane's dead deliveries kept as `skipped`, so the events behind them go out; how many. */
  async skipDead(destination: string, incidentId: string): Promise<number> {
    return affected(await this.db.query<unknown>(`UPDATE outbox_delivery SET status = 'skipped' WHERE status = 'dead' AND destination = $1 AND incident_id = $2`, [destination, incidentId]));
  }
}

/** TypeORM answers an UPDATE on PostgreSQL with [rows, affected count]: the count, not the length of that pair (retry said 2, always). */
function affected(result: unknown): number {
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}

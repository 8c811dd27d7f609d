import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { TicketEvent } from '../../correlation/tickets.js';

export interface PendingDelivery {
  outbox_id: string;
  destination: string;
  incident_id: string;
  attempts: number;
  type: string;
  payload: TicketEvent;
}

export /** A lane's head delivered: the row it is recorded under, and the merged updates it stands for. */
interface Sent {
  outboxId: string;
  destination: string;
  superseded: string[];
}

/**
 * The heads of due lanes and, behind an update at a head, the rows it may merge with, oldest first.
 * Lanes are found by walking the lane index (outbox_delivery_lane) one lane at a time, so a lane
 * waiting for its retry costs one index lookup however many rows queue behind its head: while a
 * helpdesk is down for hours, its lanes cannot crowd the other destinations' out of a pass (they
 * did when a pass read the oldest 2,000 pending rows). A lane is due when its head is; the rows
 * behind it wait, in order. In cluster mode a lane is relayed by the owner of its head's partition;
 * rows from before sig_hash existed count as partition 0's, like their timers. A lane whose head is
 * dead is blocked: nothing behind it goes out until an operator retries or skips that head
 * (POST /v1/deliveries/retry or /skip), so a helpdesk never gets an incident's events out of order.
 */
const DUE_LANES = `
  WITH RECURSIVE lane AS (
    (SELECT outbox_id, destination, incident_id, next_attempt_at, status FROM outbox_delivery
      WHERE status IN ('pending', 'dead') ORDER BY destination, incident_id, outbox_id LIMIT 1)
    UNION ALL
    SELECT next.* FROM lane CROSS JOIN LATERAL (
      SELECT d.outbox_id, d.destination, d.incident_id, d.next_attempt_at, d.status FROM outbox_delivery d
       WHERE d.status IN ('pending', 'dead') AND (d.destination, d.incident_id) > (lane.destination, lane.incident_id)
       ORDER BY d.destination, d.incident_id, d.outbox_id LIMIT 1) next
  ), due AS (
    SELECT lane.outbox_id AS head, lane.destination, lane.incident_id, o.type AS head_type
      FROM lane JOIN outbox o ON o.id = lane.outbox_id
     WHERE lane.status = 'pending' AND lane.next_attempt_at <= now() AND ($4::int[] IS NULL OR COALESCE(o.sig_hash, 0) % $3 = ANY($4::int[]))
     LIMIT $1
  )
  SELECT d.outbox_id, d.destination, d.incident_id, d.attempts, o.type, o.payload
    FROM due CROSS JOIN LATERAL (
      SELECT d.outbox_id, d.destination, d.incident_id, d.attempts FROM outbox_delivery d
       WHERE d.status = 'pending' AND d.destination = due.destination AND d.incident_id = due.incident_id
         AND (d.outbox_id = due.head OR due.head_type = 'ticket.updated')
       ORDER BY d.outbox_id LIMIT $2) d
    JOIN outbox o ON o.id = d.outbox_id
   ORDER BY d.outbox_id`;

/** The relay's hot-path SQL (OutboxRelay): due lanes, deliveries recorded sent or failed, and its two gauges. */
@Injectable()
export class OutboxRepository {
  constructor(private readonly db: DataSource) {}

  /** Up to `lanes` due lanes (only the partitions in `owned`, of `partitions`, when given), each with up to `runRows` rows. */
  dueLanes(lanes: number, runRows: number, partitions: number, owned: number[] | null): Promise<PendingDelivery[]> {
    return this.db.query<PendingDelivery[]>(DUE_LANES, [lanes, runRows, partitions, owned]);
  }

  /**
   * Records a group's deliveries in one statement (its own transaction), where each had a
   * transaction of its own: during a storm that was hundreds of commits a second competing with
   * ingest's. Dying before it only means those events are sent again, which receivers deduplicate.
   */
  async markSent(sent: Sent[]): Promise<void> {
    const superseded = sent.flatMap((s) => s.superseded.map((id) => ({ id, destination: s.destination })));
    await this.db.query(
      `WITH sent AS (
         UPDATE outbox_delivery d SET status = 'sent', sent_at = now(), attempts = d.attempts + 1
           FROM unnest($1::bigint[], $2::text[]) AS x(outbox_id, destination)
          WHERE d.outbox_id = x.outbox_id AND d.destination = x.destination
       )
       UPDATE outbox_delivery d SET status = 'superseded'
         FROM unnest($3::bigint[], $4::text[]) AS x(outbox_id, destination)
        WHERE d.outbox_id = x.outbox_id AND d.destination = x.destination`,
      [sent.map((s) => s.outboxId), sent.map((s) => s.destination), superseded.map((s) => s.id), superseded.map((s) => s.destination)],
    );
  }

  /** A failed attempt: counted, its (clamped) error kept, and the row dead or due again in `retryInMs`. */
  async recordFailure(outboxId: string, destination: string, failure: { attempts: number; error: string; dead: boolean; retryInMs: number }): Promise<void> {
    await this.db.query(
      `UPDATE outbox_delivery SET attempts = $3, last_error = $4, status = $5, next_attempt_at = now() + ($6 || ' milliseconds')::interval
        WHERE outbox_id = $1 AND destination = $2`,
      [outboxId, destination, failure.attempts, failure.error, failure.dead ? 'dead' : 'pending', String(failure.retryInMs)],
    );
  }

  async pendingCount(): Promise<number> {
    const [row] = await this.db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM outbox_delivery WHERE status = 'pending'`);
    return Number(row?.n ?? 0);
  }

  async blockedLaneCount(): Promise<number> {
    const [row] = await this.db.query<Array<{ n: string }>>(`SELECT count(DISTINCT (destination, incident_id)) AS n FROM outbox_delivery WHERE status = 'dead'`);
    return Number(row?.n ?? 0);
  }
}

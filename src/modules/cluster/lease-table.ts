import type { DataSource } from 'typeorm';
import type { LeaseView } from './assignment.js';

/** TypeORM answers an UPDATE … RETURNING with `[rows, affectedCount]`, a SELECT with the rows. */
function returned<T>(result: T[] | [T[], number]): T[] {
  return Array.isArray(result[0]) ? (result[0]) : (result as T[]);
}

export interface LeaseRow {
  partition: number;
  owner: string | null;
  epoch: number;
  expiresAt: string;
  valid: boolean;
}

export interface InstanceRow {
  id: string;
  startedAt: string;
  heartbeatAt: string;
  live: boolean;
}

/**
 * The lease table in Postgres. Every instant that decides validity is the database's `now()`, so
 * instances never compare their own clocks. A claim bumps the epoch; a renewal or release only
 * matches the epoch the caller holds, so a zombie cannot extend or free a lease it lost.
 */
export class LeaseTable {
  constructor(
    private readonly db: DataSource,
    private readonly me: string,
    private readonly leaseMs: number,
  ) {}

  async ensure(partitions: number): Promise<void> {
    await this.db.query(`INSERT INTO partition_lease (partition) SELECT generate_series(0, $1 - 1) ON CONFLICT DO NOTHING`, [partitions]);
  }

  async heartbeat(): Promise<void> {
    await this.db.query(
      `INSERT INTO cluster_instance (id, heartbeat_at) VALUES ($1, now()) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [this.me],
    );
  }

  async leave(): Promise<void> {
    await this.db.query(`DELETE FROM cluster_instance WHERE id = $1`, [this.me]);
  }

  /** Extends every lease still ours; returns partition → epoch of those (anything missing was lost). */
  async renew(): Promise<Map<number, number>> {
    // Rows locked in partition order, like the commit's FOR SHARE, so the two never deadlock.
    const rows = returned<{ partition: number; epoch: string }>(await this.db.query(
      `UPDATE partition_lease SET expires_at = now() + ($2 || ' milliseconds')::interval
        WHERE partition IN (SELECT partition FROM partition_lease WHERE owner = $1 AND expires_at > now() ORDER BY partition FOR UPDATE)
        RETURNING partition, epoch`,
      [this.me, String(this.leaseMs)],
    ));
    return new Map(rows.map((r) => [r.partition, Number(r.epoch)]));
  }

  /** Takes the partitions that are free or expired; returns partition → new epoch of those it got. */
  async claim(partitions: number[]): Promise<Map<number, number>> {
    if (partitions.length === 0) return new Map();
    const rows = returned<{ partition: number; epoch: string }>(await this.db.query(
      `UPDATE partition_lease SET owner = $1, epoch = epoch + 1, expires_at = now() + ($3 || ' milliseconds')::interval, acquired_at = now()
        WHERE partition IN (SELECT partition FROM partition_lease WHERE partition = ANY($2::int[]) AND (owner IS NULL OR expires_at <= now()) ORDER BY partition FOR UPDATE SKIP LOCKED)
        RETURNING partition, epoch`,
      [this.me, partitions, String(this.leaseMs)],
    ));
    return new Map(rows.map((r) => [r.partition, Number(r.epoch)]));
  }

  /** Gives leases back at once (graceful handoff), keeping the epoch so the next owner's is higher. */
  async release(leases: Map<number, number>): Promise<void> {
    if (leases.size === 0) return;
    await this.db.query(
      `UPDATE partition_lease l SET owner = NULL, expires_at = now()
         FROM jsonb_to_recordset($2::jsonb) AS x(partition integer, epoch bigint)
        WHERE l.partition = x.partition AND l.epoch = x.epoch AND l.owner = $1`,
      [this.me, JSON.stringify([...leases].map(([partition, epoch]) => ({ partition, epoch })))],
    );
  }

  async leases(): Promise<LeaseRow[]> {
    const rows = await this.db.query<Array<{ partition: number; owner: string | null; epoch: string; expires_at: Date; valid: boolean }>>(
      `SELECT partition, owner, epoch, expires_at, (owner IS NOT NULL AND expires_at > now()) AS valid FROM partition_lease ORDER BY partition`,
    );
    return rows.map((r) => ({ partition: r.partition, owner: r.owner, epoch: Number(r.epoch), expiresAt: r.expires_at.toISOString(), valid: r.valid }));
  }

  async instances(): Promise<InstanceRow[]> {
    const rows = await this.db.query<Array<{ id: string; started_at: Date; heartbeat_at: Date; live: boolean }>>(
      `SELECT id, started_at, heartbeat_at, heartbeat_at > now() - ($1 || ' milliseconds')::interval AS live FROM cluster_instance ORDER BY id`,
      [String(this.leaseMs)],
    );
    return rows.map((r) => ({ id: r.id, startedAt: r.started_at.toISOString(), heartbeatAt: r.heartbeat_at.toISOString(), live: r.live }));
  }
}

export const toView = (rows: LeaseRow[]): LeaseView[] => rows.map(({ partition, owner, epoch, valid }) => ({ partition, owner, epoch, valid }));

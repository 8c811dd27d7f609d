import pg from 'pg';
import type { LeaseView } from './assignment.js';

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

/** An instance whose heartbeat is older than this many lease periods is gone: its row is deleted. */
export const FORGET_AFTER_LEASES = 10;

/** SQLSTATE of a lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * The lease table in Postgres. Every instant that decides validity is the database's `now()`, so
 * instances never compare their own clocks. A claim bumps the epoch; a renewal or release only
 * matches the epoch the caller holds, so a zombie cannot extend or free a lease it lost.
 *
 * It talks over a connection of its own, not the application pool: under load every pooled
 * connection can be busy with commits for seconds (and a thousand queries queued behind them),
 * and a renewal waiting its turn there arrives after the lease it was meant to extend.
 */
export class LeaseTable {
  private readonly session: pg.Pool;

  constructor(
    url: string,
    private readonly me: string,
    private readonly leaseMs: number,
    statementTimeoutMs: number,
    /** How long a statement waits for a row lock (see renew); unset: as long as the statement may run. */
    lockTimeoutMs?: number,
  ) {
    this.session = new pg.Pool({
      connectionString: url,
      max: 1,
      application_name: 'corral-lease',
      statement_timeout: statementTimeoutMs,
      ...(lockTimeoutMs === undefined ? {} : { lock_timeout: Math.max(1, Math.round(lockTimeoutMs)) }),
    });
    // An idle connection dropped by the server surfaces here, not as a crash; the next query reconnects.
    this.session.on('error', () => undefined);
  }

  private async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.session.query(sql, params)).rows as T[];
  }

  async close(): Promise<void> {
    await this.session.end();
  }

  async ensure(partitions: number): Promise<void> {
    await this.query(`INSERT INTO partition_lease (partition) SELECT generate_series(0, $1 - 1) ON CONFLICT DO NOTHING`, [partitions]);
  }

  async leave(): Promise<void> {
    await this.query(`DELETE FROM cluster_instance WHERE id = $1`, [this.me]);
  }

  /**
   * The heartbeat and the extension of every lease still ours. Returns partition → epoch of the
   * leases extended, partition → epoch of those still ours but left for the next call (`waiting`,
   * see below; anything else held and missing was lost), and by how much the earliest expiry of
   * all of them outlasts the first statement's start, by the database's clock.
   *
   * A lease row is share-locked by this instance's own commit in flight (its fence), and on a
   * loaded machine a commit can take seconds. So the first statement extends every lease of ours
   * nobody holds right now (SKIP LOCKED), and only the rest wait for that commit, counting their
   * expiry from when they were locked. That wait is bounded by the session's `lock_timeout` (the
   * renewer sets it to its tick): a caller that renews periodically must come back on time for the
   * leases the first statement extended, so when the commit holds its locks longer, those rows are
   * returned as `waiting`, not extended this time, and the next call tries them again (a takeover
   * waits for the same commit, so nobody can take them meanwhile; after it, their expiry is what
   * it was). Both statements are autocommitted: a process paused between them holds no lock.
   * A lease still ours is extended even if it expired meanwhile: nobody took it (a claim bumps
   * owner and epoch), and the fence refused every commit while it was expired.
   */
  async renew(): Promise<{ leases: Map<number, number>; waiting: Map<number, number>; extendedMs: number }> {
    const first = await this.query<{ partition: number | null; epoch: string | null; extended: boolean | null; began: Date; expires_at: Date | null }>(
      `WITH beat AS (
         INSERT INTO cluster_instance (id, heartbeat_at) VALUES ($1, now()) ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()
       ), free AS (
         UPDATE partition_lease SET expires_at = clock_timestamp() + ($2 || ' milliseconds')::interval
          WHERE partition IN (SELECT partition FROM partition_lease WHERE owner = $1 ORDER BY partition FOR UPDATE SKIP LOCKED)
          RETURNING partition, expires_at
       )
       SELECT l.partition, l.epoch, f.partition IS NOT NULL AS extended, statement_timestamp() AS began, coalesce(f.expires_at, l.expires_at) AS expires_at
         FROM (SELECT 1) one LEFT JOIN (partition_lease l LEFT JOIN free f USING (partition)) ON l.owner = $1`,
      [this.me, String(this.leaseMs)],
    );
    const began = first[0]?.began.getTime() ?? 0;
    const held = first.filter((r) => r.partition !== null).map((r) => ({ partition: r.partition as number, epoch: r.epoch as string, expires_at: r.expires_at as Date, extended: r.extended }));
    const extended = held.filter((r) => r.extended);
    let waiting = held.filter((r) => !r.extended);
    if (waiting.length > 0) {
      const rows = await this.extendLocked(waiting.map((r) => r.partition));
      if (rows) {
        extended.push(...rows.map((r) => ({ ...r, extended: true })));
        waiting = [];
      }
    }
    // The belief must not outlast any lease it covers: a row left waiting keeps the expiry it had.
    const expiries = [...extended, ...waiting].map((r) => r.expires_at.getTime());
    return {
      leases: new Map(extended.map((r) => [r.partition, Number(r.epoch)])),
      waiting: new Map(waiting.map((r) => [r.partition, Number(r.epoch)])),
      extendedMs: expiries.length === 0 ? this.leaseMs : Math.min(...expiries) - began,
    };
  }

  /** Extends leases of ours a commit holds, once it let go; undefined when it held them past the lock_timeout. */
  private async extendLocked(partitions: number[]): Promise<Array<{ partition: number; epoch: string; expires_at: Date }> | undefined> {
    try {
      // In partition order, like the fence, so the two never deadlock.
      return await this.query<{ partition: number; epoch: string; expires_at: Date }>(
        `UPDATE partition_lease SET expires_at = clock_timestamp() + ($3 || ' milliseconds')::interval
          WHERE partition IN (SELECT partition FROM partition_lease WHERE partition = ANY($2::int[]) AND owner = $1 ORDER BY partition FOR UPDATE)
          RETURNING partition, epoch, expires_at`,
        [this.me, partitions, String(this.leaseMs)],
      );
    } catch (error) {
      if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) return undefined;
      throw error;
    }
  }

  /** Takes the partitions that are free or expired; returns partition → new epoch of those it got. */
  async claim(partitions: number[]): Promise<Map<number, number>> {
    if (partitions.length === 0) return new Map();
    // SKIP LOCKED: a row a commit still holds (its fence) is left for the next tick, never waited for.
    const rows = await this.query<{ partition: number; epoch: string }>(
      `UPDATE partition_lease SET owner = $1, epoch = epoch + 1, expires_at = now() + ($3 || ' milliseconds')::interval, acquired_at = now()
        WHERE partition IN (SELECT partition FROM partition_lease WHERE partition = ANY($2::int[]) AND (owner IS NULL OR expires_at <= now()) ORDER BY partition FOR UPDATE SKIP LOCKED)
        RETURNING partition, epoch`,
      [this.me, partitions, String(this.leaseMs)],
    );
    return new Map(rows.map((r) => [r.partition, Number(r.epoch)]));
  }

  /** Gives leases back at once (graceful handoff), keeping the epoch so the next owner's is higher. */
  async release(leases: Map<number, number>): Promise<void> {
    if (leases.size === 0) return;
    await this.query(
      `UPDATE partition_lease l SET owner = NULL, expires_at = now()
         FROM jsonb_to_recordset($2::jsonb) AS x(partition integer, epoch bigint)
        WHERE l.partition = x.partition AND l.epoch = x.epoch AND l.owner = $1`,
      [this.me, JSON.stringify([...leases].map(([partition, epoch]) => ({ partition, epoch })))],
    );
  }

  /** Deletes instances not heard from for FORGET_AFTER_LEASES leases (killed, never shut down). */
  async forgetDead(): Promise<number> {
    const rows = await this.query<{ id: string }>(
      `DELETE FROM cluster_instance WHERE heartbeat_at < now() - ($1 || ' milliseconds')::interval RETURNING id`,
      [String(this.leaseMs * FORGET_AFTER_LEASES)],
    );
    return rows.length;
  }

  async leases(): Promise<LeaseRow[]> {
    const rows = await this.query<{ partition: number; owner: string | null; epoch: string; expires_at: Date; valid: boolean }>(
      `SELECT partition, owner, epoch, expires_at, (owner IS NOT NULL AND expires_at > now()) AS valid FROM partition_lease ORDER BY partition`,
    );
    return rows.map((r) => ({ partition: r.partition, owner: r.owner, epoch: Number(r.epoch), expiresAt: r.expires_at.toISOString(), valid: r.valid }));
  }

  async instances(): Promise<InstanceRow[]> {
    const rows = await this.query<{ id: string; started_at: Date; heartbeat_at: Date; live: boolean }>(
      `SELECT id, started_at, heartbeat_at, heartbeat_at > now() - ($1 || ' milliseconds')::interval AS live FROM cluster_instance ORDER BY id`,
      [String(this.leaseMs)],
    );
    return rows.map((r) => ({ id: r.id, startedAt: r.started_at.toISOString(), heartbeatAt: r.heartbeat_at.toISOString(), live: r.live }));
  }
}

export const toView = (rows: LeaseRow[]): LeaseView[] => rows.map(({ partition, owner, epoch, valid }) => ({ partition, owner, epoch, valid }));

import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { binaryArray } from '../persistence/binary-arrays.js';

/** One row read back for the correlator. */
export interface InboxRow {
  position: number;
  input: string;
}

/** The inbox's SQL (migration 1765800000000): append, read in order, the cursor, pruning. */
@Injectable()
export class InboxRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Appends rows in order, under the append lock (see the migration). Returns the position of each
   * dedup key that was new; a key missing from the map was already in the inbox (or earlier in
   * this very call). One statement, autocommitted: durable (fsynced) when it returns.
   */
  async append(dedups: string[], inputs: string[]): Promise<Map<string, number>> {
    // Binary arrays (binary-arrays.ts): the JSON texts are full of quotes, which the driver's text
    // form of an array escapes and PostgreSQL unescapes again, each of them.
    const rows = await this.db.query<Array<{ dedup: string; position: string }>>(`SELECT appended_dedup AS dedup, appended_at AS position FROM corral_inbox_append($1::uuid[], $2::text[])`, [
      binaryArray('uuid', dedups),
      binaryArray('text', inputs),
    ]);
    return new Map(rows.map((r) => [r.dedup, Number(r.position)]));
  }

  /** Up to `limit` rows after `position`, in order. */
  async after(position: number, limit: number): Promise<InboxRow[]> {
    const rows = await this.db.query<Array<{ position: string; input: string }>>(`SELECT position, input FROM inbox WHERE position > $1 ORDER BY position LIMIT $2`, [position, limit]);
    return rows.map((r) => ({ position: Number(r.position), input: r.input }));
  }

  /** How many rows were received in [from, to] (either end open when absent): what `corral replay` will read. */
  async countReceivedBetween(from: Date | undefined, to: Date | undefined): Promise<number> {
    const rows = await this.db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM inbox WHERE ($1::timestamptz IS NULL OR received_at >= $1) AND ($2::timestamptz IS NULL OR received_at <= $2)`, [from ?? null, to ?? null]);
    return Number(rows[0]?.n ?? 0);
  }

  /** Up to `limit` rows received in [from, to] after `position`, in order, with when each arrived. */
  async receivedBetween(from: Date | undefined, to: Date | undefined, position: number, limit: number): Promise<Array<InboxRow & { receivedAt: Date }>> {
    const rows = await this.db.query<Array<{ position: string; input: string; received_at: Date }>>(
      `SELECT position, input, received_at FROM inbox
        WHERE position > $1 AND ($2::timestamptz IS NULL OR received_at >= $2) AND ($3::timestamptz IS NULL OR received_at <= $3)
        ORDER BY position LIMIT $4`,
      [position, from ?? null, to ?? null, limit],
    );
    return rows.map((r) => ({ position: Number(r.position), input: r.input, receivedAt: r.received_at }));
  }

  /** Where the correlator stands: the last position whose effects are committed, and when. */
  async cursor(): Promise<{ position: number; correlatedAt: Date }> {
    const rows = await this.db.query<Array<{ position: string; correlated_at: Date }>>(`SELECT position, correlated_at FROM inbox_cursor`);
    const row = rows[0];
    return row ? { position: Number(row.position), correlatedAt: row.correlated_at } : { position: 0, correlatedAt: new Date(0) };
  }

  /** The newest position appended by anyone (another process included). */
  async head(): Promise<number> {
    const rows = await this.db.query<Array<{ position: string | null }>>(`SELECT max(position) AS position FROM inbox`);
    return Number(rows[0]?.position ?? 0);
  }

  /** Rows after `position`: what is left to correlate, counted once at start-up. */
  async countAfter(position: number): Promise<number> {
    const rows = await this.db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM inbox WHERE position > $1`, [position]);
    return Number(rows[0]?.n ?? 0);
  }

  /** When the oldest row after `position` arrived: how far behind correlation is, in time. */
  async receivedAfter(position: number): Promise<Date | null> {
    const rows = await this.db.query<Array<{ received_at: Date }>>(`SELECT received_at FROM inbox WHERE position > $1 ORDER BY position LIMIT 1`, [position]);
    return rows[0]?.received_at ?? null;
  }

  /**
   * Deletes, of the `limit` oldest rows, those correlated (at or below the cursor) and received
   * before `before`. Positions grow with arrival, so looking at the head by primary key finds them
   * without an index on received_at, and each call reads at most `limit` rows however large the
   * inbox is. Returns how many went: fewer than `limit` means the head is now recent or uncorrelated.
   */
  async prune(before: Date, limit: number): Promise<number> {
    const rows = await this.db.query<Array<{ n: string }>>(
      `WITH head AS (
         SELECT i.position, i.received_at FROM inbox i, inbox_cursor c WHERE i.position <= c.position ORDER BY i.position LIMIT $2
       ), gone AS (DELETE FROM inbox WHERE position IN (SELECT position FROM head WHERE received_at < $1) RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      [before, limit],
    );
    return Number(rows[0]?.n ?? 0);
  }
}

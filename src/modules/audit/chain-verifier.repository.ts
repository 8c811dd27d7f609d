import type { DataSource } from 'typeorm';
import type { AuditContent } from './audit-chain.js';

/** Rows read per page: a chain of any length is walked in bounded memory. */
export const PAGE = 5000;

/** A journal row as stored: the columns the runtime's link covers, and the links. */
export interface JournalDbRow {
  signature: string;
  seq: string;
  incident_id: string;
  kind: string;
  child_key: string | null;
  rule_id: string | null;
  rule_version: number | null;
  at: Date;
  correlation_id: string;
  data: Record<string, unknown>;
  prev_hash: string;
  row_hash: string;
}

/** An audit row as stored: its content (recorded_at as the driver returns it) and its links. */
export type AuditDbRow = Omit<AuditContent, 'recordedAt'> & { recordedAt: Date; prevHash: string; rowHash: string };

/** Where an actor's chain ends by its snapshot: the last seq and the hash it recorded for it. */
export interface SnapshotTail {
  signature: string;
  seq: string;
  last_hash: string;
}

// Ids and seqs are read as text (bigint exceeds a JS number's exact range only in theory, but pg
// returns bigint as text anyway); ordering is always on the table's own numeric columns.

/** What `audit verify` reads (verifyChains): both chains a page at a time, where they end, and the migration's legacy boundaries. */
export class ChainVerifierRepository {
  constructor(private readonly db: DataSource) {}

  /** Per chain, the last seq (audit: id, under chain '') written before the chain was keyed (chain_legacy, migration 1765400000000). */
  async legacyBoundaries(trail: 'audit' | 'journal'): Promise<Map<string, number>> {
    const rows = await this.db.query<Array<{ chain: string; last_seq: string }>>(`SELECT chain, last_seq::text FROM chain_legacy WHERE trail = $1`, [trail]);
    return new Map(rows.map((r) => [r.chain, Number(r.last_seq)]));
  }

  /** Every actor's snapshot tail, by signature. */
  snapshotTails(): Promise<SnapshotTail[]> {
    return this.db.query<SnapshotTail[]>('SELECT signature, seq::text, last_hash FROM actor_snapshot');
  }

  /** Up to PAGE journal rows after `after` (from the first without it), in chain order: by signature, then seq. */
  journalPage(after: { signature: string; seq: string } | undefined): Promise<JournalDbRow[]> {
    return this.db.query<JournalDbRow[]>(
      `SELECT signature, seq::text, incident_id, kind, child_key, rule_id, rule_version, at, correlation_id, data, prev_hash, row_hash
         FROM journal WHERE ($1::text IS NULL OR (journal.signature, journal.seq) > ($1, $2::bigint))
        ORDER BY journal.signature, journal.seq LIMIT ${PAGE}`,
      [after?.signature ?? null, after?.seq ?? '0'],
    );
  }

  /** Up to PAGE audit rows with an id above `after`, in id order. */
  auditPage(after: string): Promise<AuditDbRow[]> {
    return this.db.query<AuditDbRow[]>(
      `SELECT id::text AS "id", recorded_at AS "recordedAt", actor, actor_kind AS "actorKind", role, action, target, rule_id AS "ruleId",
              outcome, correlation_id AS "correlationId", detail, prev_hash AS "prevHash", row_hash AS "rowHash"
         FROM audit WHERE audit.id > $1::bigint ORDER BY audit.id LIMIT ${PAGE}`,
      [after],
    );
  }

  /** Journal rows recorded at or before `at` (a count, as text). */
  async journalRowsRecordedBy(at: string): Promise<string> {
    const [{ rows }] = await this.db.query<[{ rows: string }]>('SELECT count(*)::text AS rows FROM journal WHERE journal.recorded_at <= $1', [at]);
    return rows;
  }
}

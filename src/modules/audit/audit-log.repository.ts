import type { DataSource } from 'typeorm';
import type { AuditQuery } from './audit-query.js';

/** One row of the trail as read, before it becomes an AuditEntryView (audit-log.ts). */
export interface TrailRow {
  source: 'access' | 'decision';
  /** Numbers zero-padded (the audit id; the journal seq after `#`): the order and the cursor compare keys as text, and padded they compare as the numbers do. */
  key: string;
  at_text: string;
  actor: string;
  actor_kind: string;
  role: string | null;
  action: string;
  target: string | null;
  rule_id: string | null;
  outcome: 0 | 4 | 8 | 12;
  correlation_id: string;
  detail: Record<string, unknown>;
}

/** Where a page starts: after this row, in the trail's order (recorded_at, source, key). */
export interface TrailPosition {
  at: string;
  source: string;
  key: string;
}

/** The trail's filters (GET /v1/audit); each applies when present. */
export type TrailFilter = Pick<AuditQuery, 'source' | 'from' | 'to' | 'action' | 'actor' | 'target'>;

// Microsecond timestamps as text: a JS Date would round them and a cursor could skip rows.
const AT = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Accesses: audit rows (who read or changed what, and what was refused). */
const ACCESS_ROWS = `
      SELECT 'access' AS source, lpad(a.id::text, 20, '0') AS key, a.recorded_at, a.actor, a.actor_kind, a.role, a.action, a.target, a.rule_id,
             a.outcome::int AS outcome, a.correlation_id, a.detail
        FROM audit a
       WHERE ($1::timestamptz IS NULL OR a.recorded_at >= $1) AND ($2::timestamptz IS NULL OR a.recorded_at < $2)
         AND ($3::text IS NULL OR a.action = $3) AND ($4::text IS NULL OR a.actor = $4) AND ($5::text IS NULL OR a.target = $5)`;

/** Decisions: journal rows, their detail only the signature and seq that name them. */
const DECISION_ROWS = `
      SELECT 'decision' AS source, j.signature || '#' || lpad(j.seq::text, 20, '0') AS key, j.recorded_at, coalesce(j.data->>'by', 'corral') AS actor,
             CASE WHEN j.data ? 'by' THEN 'user' ELSE 'system' END AS actor_kind, NULL::text AS role, j.kind AS action, j.incident_id::text AS target,
             CASE WHEN j.rule_id IS NULL THEN NULL ELSE j.rule_id || '@' || coalesce(j.rule_version, 0) END AS rule_id,
             CASE WHEN j.kind = 'command.rejected' THEN 4 ELSE 0 END AS outcome, j.correlation_id,
             jsonb_build_object('signature', j.signature, 'seq', j.seq) AS detail
        FROM journal j
       WHERE ($1::timestamptz IS NULL OR j.recorded_at >= $1) AND ($2::timestamptz IS NULL OR j.recorded_at < $2)
         AND ($3::text IS NULL OR j.kind = $3) AND ($4::text IS NULL OR coalesce(j.data->>'by', 'corral') = $4) AND ($5::text IS NULL OR j.incident_id::text = $5)`;

/** The trail's reads (readTrail): accesses and decisions merged in the order they were recorded, a page at a time. */
export class AuditLogRepository {
  constructor(private readonly db: DataSource) {}

  /** Up to `limit` rows after `after` (from the first without it), oldest first, of the sources `filter.source` leaves in. */
  page(filter: TrailFilter, after: TrailPosition | undefined, limit: number): Promise<TrailRow[]> {
    const params = [filter.from ?? null, filter.to ?? null, filter.action ?? null, filter.actor ?? null, filter.target ?? null, after?.at ?? null, after?.source ?? '', after?.key ?? '', limit];
    const branches: string[] = [];
    if (filter.source !== 'decision') branches.push(ACCESS_ROWS);
    if (filter.source !== 'access') branches.push(DECISION_ROWS);
    return this.db.query<TrailRow[]>(
      `SELECT source, key, ${AT('recorded_at')} AS at_text, actor, actor_kind, role, action, target, rule_id, outcome, correlation_id, detail
       FROM (${branches.join(' UNION ALL ')}) t
      WHERE $6::timestamptz IS NULL OR (t.recorded_at, t.source, t.key) > ($6::timestamptz, $7::text, $8::text)
      ORDER BY t.recorded_at, t.source, t.key
      LIMIT $9`,
      params,
    );
  }
}

import type { DataSource } from 'typeorm';
import { InvalidInputError } from '../http/domain-errors.js';
import type { AuditEntryView, AuditPage } from './audit-entry.js';
import type { AuditQuery } from './audit-query.js';

interface Cursor {
  at: string;
  source: string;
  key: string;
}

interface TrailRow {
  source: 'access' | 'decision';
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

// Microsecond timestamps as text: a JS Date would round them and a cursor could skip rows.
const AT = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The trail an auditor reads: decisions (journal rows: rule fired, ticket pushed, command by whom)
 * and accesses (audit rows: who read or changed what, and what was refused), merged in the order
 * they were recorded. Journal data is not repeated here (the timeline shows it); the entry names
 * the signature and seq so a row reported by verify can be found.
 */
export async function readTrail(db: DataSource, query: AuditQuery): Promise<AuditPage> {
  const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
  const params = [query.from ?? null, query.to ?? null, query.action ?? null, query.actor ?? null, query.target ?? null, cursor?.at ?? null, cursor?.source ?? '', cursor?.key ?? '', query.limit + 1];
  const branches: string[] = [];
  if (query.source !== 'decision') {
    branches.push(`
      SELECT 'access' AS source, lpad(a.id::text, 20, '0') AS key, a.recorded_at, a.actor, a.actor_kind, a.role, a.action, a.target, a.rule_id,
             a.outcome::int AS outcome, a.correlation_id, a.detail
        FROM audit a
       WHERE ($1::timestamptz IS NULL OR a.recorded_at >= $1) AND ($2::timestamptz IS NULL OR a.recorded_at < $2)
         AND ($3::text IS NULL OR a.action = $3) AND ($4::text IS NULL OR a.actor = $4) AND ($5::text IS NULL OR a.target = $5)`);
  }
  if (query.source !== 'access') {
    branches.push(`
      SELECT 'decision' AS source, j.signature || '#' || lpad(j.seq::text, 20, '0') AS key, j.recorded_at, coalesce(j.data->>'by', 'corral') AS actor,
             CASE WHEN j.data ? 'by' THEN 'user' ELSE 'system' END AS actor_kind, NULL::text AS role, j.kind AS action, j.incident_id::text AS target,
             CASE WHEN j.rule_id IS NULL THEN NULL ELSE j.rule_id || '@' || coalesce(j.rule_version, 0) END AS rule_id,
             CASE WHEN j.kind = 'command.rejected' THEN 4 ELSE 0 END AS outcome, j.correlation_id,
             jsonb_build_object('signature', j.signature, 'seq', j.seq) AS detail
        FROM journal j
       WHERE ($1::timestamptz IS NULL OR j.recorded_at >= $1) AND ($2::timestamptz IS NULL OR j.recorded_at < $2)
         AND ($3::text IS NULL OR j.kind = $3) AND ($4::text IS NULL OR coalesce(j.data->>'by', 'corral') = $4) AND ($5::text IS NULL OR j.incident_id::text = $5)`);
  }
  const rows = await db.query<TrailRow[]>(
    `SELECT source, key, ${AT('recorded_at')} AS at_text, actor, actor_kind, role, action, target, rule_id, outcome, correlation_id, detail
       FROM (${branches.join(' UNION ALL ')}) t
      WHERE $6::timestamptz IS NULL OR (t.recorded_at, t.source, t.key) > ($6::timestamptz, $7::text, $8::text)
      ORDER BY t.recorded_at, t.source, t.key
      LIMIT $9`,
    params,
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map(toEntry),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ at: last.at_text, source: last.source, key: last.key }) : null,
  };
}

function toEntry(row: TrailRow): AuditEntryView {
  return {
    source: row.source,
    key: row.source === 'access' ? String(Number(row.key)) : row.key.replace(/#0*(\d)/, '#$1'),
    recordedAt: row.at_text,
    actor: row.actor,
    actorKind: row.actor_kind,
    role: row.role,
    action: row.action,
    target: row.target,
    ruleId: row.rule_id,
    outcome: row.outcome,
    correlationId: row.correlation_id,
    detail: row.detail,
  };
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof value.at === 'string' && !Number.isNaN(Date.parse(value.at)) && typeof value.source === 'string' && typeof value.key === 'string') {
      return { at: value.at, source: value.source, key: value.key };
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidInputError('cursor is not one this server issued; start again without it');
}

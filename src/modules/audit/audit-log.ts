import { InvalidInputError } from '../http/domain-errors.js';
import type { AuditEntryView, AuditPage } from './audit-entry.js';
import type { AuditLogRepository, TrailPosition, TrailRow } from './audit-log.repository.js';
import type { AuditQuery } from './audit-query.js';

/**
 * The trail an auditor reads: decisions (journal rows: rule fired, ticket pushed, command by whom)
 * and accesses (audit rows: who read or changed what, and what was refused), merged in the order
 * they were recorded. Journal data is not repeated here (the timeline shows it); the entry names
 * the signature and seq so a row reported by verify can be found.
 */
export async function readTrail(trail: AuditLogRepository, query: AuditQuery): Promise<AuditPage> {
  const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await trail.page(query, cursor, query.limit + 1);
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

function encodeCursor(cursor: TrailPosition): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): TrailPosition {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<TrailPosition>;
    if (typeof value.at === 'string' && !Number.isNaN(Date.parse(value.at)) && typeof value.source === 'string' && typeof value.key === 'string') {
      return { at: value.at, source: value.source, key: value.key };
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidInputError('cursor is not one this server issued; start again without it');
}

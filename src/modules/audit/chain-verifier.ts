import type { DataSource } from 'typeorm';
import { chainRow, GENESIS_HASH } from '../../actors/journal-chain.js';
import type { JournalEntry } from '../../correlation/evolve.js';
import { auditRowHash, type AuditContent } from './audit-chain.js';

const PAGE = 5000;

export interface JournalBreak {
  signature: string;
  seq: number;
  incidentId: string | null;
  reason: string;
}

export interface AuditBreak {
  id: string;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  journal: { rows: number; chains: number; brokenChains: number; firstBroken: JournalBreak | null };
  audit: { rows: number; firstBroken: AuditBreak | null };
}

interface JournalDbRow {
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

/**
 * Walks both hash chains and names the first link that does not hold: the journal (one chain per
 * signature, rebuilt exactly as the actor runtime chained it, then checked against the snapshot's
 * last hash so a removed tail shows too) and the access audit trail (one chain).
 */
export async function verifyChains(db: DataSource): Promise<VerifyReport> {
  const journal = await verifyJournal(db);
  const audit = await verifyAudit(db);
  return { ok: journal.firstBroken === null && audit.firstBroken === null, journal, audit };
}

// Ids and seqs are read as text (bigint exceeds a JS number's exact range only in theory, but pg
// returns bigint as text anyway); ordering is always on the table's own numeric columns.
async function verifyJournal(db: DataSource): Promise<VerifyReport['journal']> {
  const tails = new Map(
    (await db.query<Array<{ signature: string; seq: string; last_hash: string }>>('SELECT signature, seq::text, last_hash FROM actor_snapshot')).map((s) => [s.signature, s]),
  );
  let rows = 0;
  let chains = 0;
  const broken = new Map<string, JournalBreak>();
  let current: { signature: string; seq: number; hash: string; incidentId: string } | undefined;
  const breakAt = (b: JournalBreak) => {
    if (!broken.has(b.signature)) broken.set(b.signature, b);
  };
  const closeChain = () => {
    if (!current) return;
    const tail = tails.get(current.signature);
    tails.delete(current.signature);
    if (tail && Number(tail.seq) > current.seq) breakAt({ signature: current.signature, seq: current.seq + 1, incidentId: current.incidentId, reason: `rows after seq ${current.seq} are missing (the snapshot is at seq ${tail.seq})` });
    else if (tail && Number(tail.seq) === current.seq && tail.last_hash !== current.hash) breakAt({ signature: current.signature, seq: current.seq, incidentId: current.incidentId, reason: 'last row does not match the hash the actor recorded in its snapshot' });
  };

  let after: { signature: string; seq: string } | undefined;
  for (;;) {
    const page = await db.query<JournalDbRow[]>(
      `SELECT signature, seq::text, incident_id, kind, child_key, rule_id, rule_version, at, correlation_id, data, prev_hash, row_hash
         FROM journal WHERE ($1::text IS NULL OR (journal.signature, journal.seq) > ($1, $2::bigint))
        ORDER BY journal.signature, journal.seq LIMIT ${PAGE}`,
      [after?.signature ?? null, after?.seq ?? '0'],
    );
    for (const row of page) {
      rows += 1;
      const seq = Number(row.seq);
      if (current?.signature !== row.signature) {
        closeChain();
        chains += 1;
        current = { signature: row.signature, seq: 0, hash: GENESIS_HASH, incidentId: row.incident_id };
      }
      const at = { signature: row.signature, seq, incidentId: row.incident_id };
      if (seq !== current.seq + 1) breakAt({ ...at, reason: `expected seq ${current.seq + 1}: rows ${current.seq + 1}..${seq - 1} are missing` });
      else if (row.prev_hash !== current.hash) breakAt({ ...at, reason: 'prev_hash does not match the previous row' });
      else if (chainRow(row.signature, seq, row.prev_hash, journalEntryOf(row)).rowHash !== row.row_hash) breakAt({ ...at, reason: 'row content does not match its row_hash (altered)' });
      current = { signature: row.signature, seq, hash: row.row_hash, incidentId: row.incident_id };
    }
    const last = page.at(-1);
    if (page.length < PAGE || !last) break;
    after = { signature: last.signature, seq: last.seq };
  }
  closeChain();
  // A snapshot whose journal is gone entirely.
  for (const [signature, tail] of tails) if (Number(tail.seq) > 0) breakAt({ signature, seq: 1, incidentId: null, reason: `all ${tail.seq} rows are missing` });

  const first = [...broken.values()].sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0))[0] ?? null;
  return { rows, chains, brokenChains: broken.size, firstBroken: first };
}

/** The entry as the actor runtime chained it, rebuilt from its columns (see PgActorStore's toJournalRow). */
function journalEntryOf(row: JournalDbRow): JournalEntry {
  return {
    kind: row.kind as JournalEntry['kind'],
    incidentId: row.incident_id,
    ...(row.child_key !== null ? { childKey: row.child_key } : {}),
    ...(row.rule_id !== null ? { rule: { id: row.rule_id, version: row.rule_version ?? 0 } } : {}),
    correlationId: row.correlation_id,
    at: row.at.toISOString(),
    data: row.data,
  };
}

async function verifyAudit(db: DataSource): Promise<VerifyReport['audit']> {
  let rows = 0;
  let prev = GENESIS_HASH;
  let after = '0';
  for (;;) {
    const page = await db.query<Array<Omit<AuditContent, 'recordedAt'> & { recordedAt: Date; prevHash: string; rowHash: string }>>(
      `SELECT id::text AS "id", recorded_at AS "recordedAt", actor, actor_kind AS "actorKind", role, action, target, rule_id AS "ruleId",
              outcome, correlation_id AS "correlationId", detail, prev_hash AS "prevHash", row_hash AS "rowHash"
         FROM audit WHERE audit.id > $1::bigint ORDER BY audit.id LIMIT ${PAGE}`,
      [after],
    );
    for (const { prevHash, rowHash, recordedAt, ...rest } of page) {
      rows += 1;
      if (prevHash !== prev) return { rows, firstBroken: { id: rest.id, reason: 'prev_hash does not match the previous row (a row before it was removed or altered)' } };
      if (auditRowHash(prevHash, { ...rest, recordedAt: recordedAt.toISOString() }) !== rowHash) return { rows, firstBroken: { id: rest.id, reason: 'row content does not match its row_hash (altered)' } };
      prev = rowHash;
    }
    const last = page.at(-1);
    if (page.length < PAGE || !last) break;
    after = last.id;
  }
  return { rows, firstBroken: null };
}

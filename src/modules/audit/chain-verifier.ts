import type { DataSource } from 'typeorm';
import type { ChainKeys } from '../../actors/chain-keys.js';
import { GENESIS_HASH, journalRowBody, legacyJournalLink, storedEntry } from '../../actors/journal-chain.js';
import type { JournalEntry } from '../../correlation/transition.js';
import { auditLinkHolds, legacyAuditLink } from './audit-chain.js';
import { latestCheckpoint, type SignedCheckpoint } from './chain-checkpoint.js';
import { ChainVerifierRepository, PAGE, type JournalDbRow } from './chain-verifier.repository.js';

/** Broken rows listed at most, per trail; the count covers them all. */
export const MAX_LISTED = 100;

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
  journal: {
    rows: number;
    chains: number;
    /** Rows written before the chains were keyed, checked as sha256 (migration 1765400000000). */
    legacyRows: number;
    brokenChains: number;
    brokenRows: number;
    /** The first MAX_LISTED broken rows, in chain order. */
    broken: JournalBreak[];
    firstBroken: JournalBreak | null;
  };
  audit: { rows: number; legacyRows: number; brokenRows: number; broken: AuditBreak[]; firstBroken: AuditBreak | null };
  /** The latest signed checkpoint read, and what it shows missing (truncation). */
  checkpoint: { file: string; at: string | null; problems: string[] };
}

export interface VerifySettings {
  keys: ChainKeys;
  checkpointFile: string;
}

/** Collects breaks: all counted, the first MAX_LISTED kept. */
class Breaks<T> {
  readonly listed: T[] = [];
  count = 0;
  add(item: T): void {
    this.count += 1;
    if (this.listed.length < MAX_LISTED) this.listed.push(item);
  }
}

const FORGED = 'row_hash is not the keyed link of this row (altered, or written without the chain key)';
const ALTERED_LEGACY = 'row content does not match its row_hash (altered)';

/**
 * Walks both chains to the end and reports every row that does not hold, not only the first: the
 * journal (one chain per signature, rebuilt from the stored columns exactly as the runtime linked
 * them, sequence numbers without gaps, the last row against the snapshot's last hash), the access
 * audit trail (one chain, ids without gaps), and both against the latest signed checkpoint, which
 * is how removed newest rows show. Rows up to the migration point (chain_legacy) are checked as
 * the unkeyed sha256 they were written with; every later row must be an HMAC under the chain key.
 */
export async function verifyChains(db: DataSource, settings: VerifySettings, progress: (line: string) => void = () => {}): Promise<VerifyReport> {
  const latest = latestCheckpoint(settings.checkpointFile, settings.keys);
  const checkpoint = latest.checkpoint;
  const problems = latest.problem ? [latest.problem] : [];
  const repository = new ChainVerifierRepository(db);
  const journal = await verifyJournal(repository, settings.keys, progress);
  const audit = await verifyAudit(repository, settings.keys, checkpoint, problems, progress);
  if (checkpoint) await checkJournalAgainst(repository, checkpoint, problems);
  return {
    ok: journal.brokenRows === 0 && audit.brokenRows === 0 && problems.length === 0,
    journal,
    audit,
    checkpoint: { file: settings.checkpointFile, at: checkpoint?.at ?? null, problems },
  };
}

async function verifyJournal(repository: ChainVerifierRepository, keys: ChainKeys, progress: (line: string) => void): Promise<VerifyReport['journal']> {
  const tails = new Map((await repository.snapshotTails()).map((s) => [s.signature, s]));
  const legacy = await repository.legacyBoundaries('journal');
  let rows = 0;
  let chains = 0;
  let legacyRows = 0;
  const breaks = new Breaks<JournalBreak>();
  const brokenChains = new Set<string>();
  const breakAt = (b: JournalBreak) => {
    breaks.add(b);
    brokenChains.add(b.signature);
  };
  let current: { signature: string; seq: number; hash: string; incidentId: string; legacyUpTo: number } | undefined;
  const closeChain = () => {
    if (!current) return;
    const tail = tails.get(current.signature);
    tails.delete(current.signature);
    if (tail && Number(tail.seq) > current.seq) breakAt({ signature: current.signature, seq: current.seq + 1, incidentId: current.incidentId, reason: `rows after seq ${current.seq} are missing (the snapshot is at seq ${tail.seq})` });
    else if (tail && Number(tail.seq) === current.seq && tail.last_hash !== current.hash) breakAt({ signature: current.signature, seq: current.seq, incidentId: current.incidentId, reason: 'last row does not match the hash the actor recorded in its snapshot' });
  };

  let after: { signature: string; seq: string } | undefined;
  for (;;) {
    const page = await repository.journalPage(after);
    for (const row of page) {
      rows += 1;
      const seq = Number(row.seq);
      if (current?.signature !== row.signature) {
        closeChain();
        chains += 1;
        current = { signature: row.signature, seq: 0, hash: GENESIS_HASH, incidentId: row.incident_id, legacyUpTo: legacy.get(row.signature) ?? 0 };
      }
      const reasons: string[] = [];
      if (seq !== current.seq + 1) reasons.push(`expected seq ${current.seq + 1}: rows ${current.seq + 1}..${seq - 1} are missing`);
      else if (row.prev_hash !== current.hash) reasons.push('prev_hash does not match the previous row');
      const entry = journalEntryOf(row);
      if (seq <= current.legacyUpTo) {
        legacyRows += 1;
        if (legacyJournalLink(row.signature, seq, row.prev_hash, entry) !== row.row_hash) reasons.push(ALTERED_LEGACY);
      } else if (!keys.holds(row.prev_hash, journalRowBody(row.signature, seq, storedEntry(entry)), row.row_hash)) {
        reasons.push(FORGED);
      }
      if (reasons.length > 0) breakAt({ signature: row.signature, seq, incidentId: row.incident_id, reason: reasons.join('; ') });
      // Go on from the row as stored: one altered row is one report, not a broken rest of the chain.
      current = { ...current, seq, hash: row.row_hash };
    }
    progress(`journal: ${rows} rows checked in ${chains} chains, ${breaks.count} broken`);
    const last = page.at(-1);
    if (page.length < PAGE || !last) break;
    after = { signature: last.signature, seq: last.seq };
  }
  closeChain();
  // A snapshot whose journal is gone entirely.
  for (const [signature, tail] of tails) if (Number(tail.seq) > 0) breakAt({ signature, seq: 1, incidentId: null, reason: `all ${tail.seq} rows are missing` });

  return { rows, chains, legacyRows, brokenChains: brokenChains.size, brokenRows: breaks.count, broken: breaks.listed, firstBroken: breaks.listed[0] ?? null };
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

async function verifyAudit(repository: ChainVerifierRepository, keys: ChainKeys, checkpoint: SignedCheckpoint | null, problems: string[], progress: (line: string) => void): Promise<VerifyReport['audit']> {
  const legacyUpTo = (await repository.legacyBoundaries('audit')).get('') ?? 0;
  const breaks = new Breaks<AuditBreak>();
  let rows = 0;
  let legacyRows = 0;
  let prev = GENESIS_HASH;
  let prevId = 0n;
  let seenAtCheckpoint: string | undefined;
  let after = '0';
  for (;;) {
    const page = await repository.auditPage(after);
    for (const { prevHash, rowHash, recordedAt, ...rest } of page) {
      rows += 1;
      const id = BigInt(rest.id);
      const content = { ...rest, recordedAt: recordedAt.toISOString() };
      const reasons: string[] = [];
      // Ids are assigned previous + 1 under the chain lock since the chain was keyed: a gap is a removed row.
      if (id > BigInt(legacyUpTo) && id !== prevId + 1n) reasons.push(`ids ${prevId + 1n}..${id - 1n} are missing`);
      if (prevHash !== prev) reasons.push('prev_hash does not match the previous row (a row before it was removed or altered)');
      if (id <= BigInt(legacyUpTo)) {
        legacyRows += 1;
        if (legacyAuditLink(prevHash, content) !== rowHash) reasons.push(ALTERED_LEGACY);
      } else if (!auditLinkHolds(keys, prevHash, content, rowHash)) {
        reasons.push(FORGED);
      }
      if (reasons.length > 0) breaks.add({ id: rest.id, reason: reasons.join('; ') });
      if (checkpoint && rest.id === checkpoint.audit.lastId) seenAtCheckpoint = rowHash;
      prev = rowHash;
      prevId = id;
    }
    progress(`audit: ${rows} rows checked, ${breaks.count} broken`);
    const last = page.at(-1);
    if (page.length < PAGE || !last) break;
    after = last.id;
  }
  if (checkpoint && checkpoint.audit.lastId !== '0') {
    if (seenAtCheckpoint === undefined) {
      problems.push(`audit: the checkpoint of ${checkpoint.at} saw rows up to id ${checkpoint.audit.lastId}; the trail ends at id ${prevId} (rows were removed)`);
    } else if (seenAtCheckpoint !== checkpoint.audit.headHash) {
      problems.push(`audit: row ${checkpoint.audit.lastId} is not the row the checkpoint of ${checkpoint.at} saw (rows were removed and others written in their place)`);
    }
  }
  return { rows, legacyRows, brokenRows: breaks.count, broken: breaks.listed, firstBroken: breaks.listed[0] ?? null };
}

/** Journal rows only ever get added: fewer recorded by the checkpoint's time than it counted means some were removed. */
async function checkJournalAgainst(repository: ChainVerifierRepository, checkpoint: SignedCheckpoint, problems: string[]): Promise<void> {
  const rows = await repository.journalRowsRecordedBy(checkpoint.at);
  if (BigInt(rows) < BigInt(checkpoint.journal.rows)) {
    problems.push(`journal: the checkpoint of ${checkpoint.at} counted ${checkpoint.journal.rows} rows; ${rows} of those remain (${BigInt(checkpoint.journal.rows) - BigInt(rows)} removed)`);
  }
}

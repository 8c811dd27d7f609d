import type { AuditTrail } from '../audit/audit-trail.js';
import type { ClosedIncident, RetentionStore } from '../persistence/retention-store.js';

/**
 * Nothing written to an incident for this long before it may be forgotten, whatever `before` says:
 * a running corral may still hold its actor (ACTOR_IDLE_MS, 10 minutes by default) or its data key
 * (dropped after 30 minutes unused, journal-sealer.ts) in memory, and would write them back.
 */
export const QUIET_MS = 3_600_000;
const CHUNK = 500;
const PRUNE_CHUNK = 5_000;

export interface PurgeOptions {
  /** Incidents closed before this instant are forgotten; dead letters and directory lookups older than it are deleted. */
  before: Date;
  now: Date;
  dryRun: boolean;
  /** Who asked, for the audit trail: `cli:<user>` or `corral:retention`. */
  actor: { name: string; kind: 'cli' | 'system' };
  /** A line of progress for an operator watching (stderr for the CLI). */
  progress: (line: string) => void;
  /** After each chunk: the server evicts these actors and forgets their keys in memory. */
  forgotten?: (incidents: ClosedIncident[]) => void;
}

export interface PurgeReport {
  before: string;
  dryRun: boolean;
  incidents: number;
  keysDestroyed: number;
  snapshotsScrubbed: number;
  ticketEventsDeleted: number;
  /** Journal rows of those incidents written before sealing existed: they stay readable. */
  plaintextRowsKept: number;
  deadLetters: number;
  enrichmentLookups: number;
}

/**
 * Retention's one procedure, for `corral purge` and the server's daily job: forgets the free text of
 * incidents closed before `before` (their data keys destroyed, read models and snapshot scrubbed),
 * deletes dead letters and directory lookups older than it, reports progress as it goes, and
 * leaves an audit entry saying who purged what (the daily pass: only when it did something).
 * Running it twice does nothing the second time.
 */
export async function purge(store: RetentionStore, trail: AuditTrail, options: PurgeOptions): Promise<PurgeReport> {
  const { before, now, dryRun, progress } = options;
  const quietSince = new Date(Math.min(before.getTime(), now.getTime() - QUIET_MS));
  const report: PurgeReport = { before: before.toISOString(), dryRun, incidents: 0, keysDestroyed: 0, snapshotsScrubbed: 0, ticketEventsDeleted: 0, plaintextRowsKept: 0, deadLetters: 0, enrichmentLookups: 0 };
  const total = await store.countClosedBefore(before, quietSince);
  const older = await store.countOlder(before);
  progress(`${dryRun ? 'would forget' : 'forgetting'} ${total} incident(s) closed before ${report.before}; ${older.deadLetters} dead letter(s) and ${older.enrichmentLookups} directory lookup(s) older`);
  if (dryRun) return { ...report, incidents: total, deadLetters: older.deadLetters, enrichmentLookups: older.enrichmentLookups };

  let after: string | null = null;
  for (;;) {
    const chunk = await store.closedBefore(before, quietSince, after, CHUNK);
    if (chunk.length === 0) break;
    const counts = await store.forget(chunk, now);
    options.forgotten?.(chunk);
    report.incidents += chunk.length;
    report.keysDestroyed += counts.keys;
    report.snapshotsScrubbed += counts.snapshots;
    report.ticketEventsDeleted += counts.outbox;
    report.plaintextRowsKept += counts.plaintextRows;
    progress(`incidents: ${report.incidents}/${total} forgotten (${report.keysDestroyed} keys destroyed, ${report.snapshotsScrubbed} snapshots scrubbed)`);
    after = chunk[chunk.length - 1].id;
  }
  for (let n = await store.pruneDeadLetters(before, PRUNE_CHUNK); n > 0; n = await store.pruneDeadLetters(before, PRUNE_CHUNK)) {
    report.deadLetters += n;
    progress(`dead letters: ${report.deadLetters}/${older.deadLetters} deleted`);
  }
  for (let n = await store.pruneEnrichmentLookups(before, PRUNE_CHUNK); n > 0; n = await store.pruneEnrichmentLookups(before, PRUNE_CHUNK)) {
    report.enrichmentLookups += n;
    progress(`directory lookups: ${report.enrichmentLookups}/${older.enrichmentLookups} deleted`);
  }
  if (report.plaintextRowsKept > 0) progress(`${report.plaintextRowsKept} journal row(s) of these incidents predate sealing and stay readable (the journal refuses UPDATE)`);
  const { before: _b, dryRun: _d, ...counts } = report;
  // An operator's run is always on record; the daily pass only when it forgot or deleted something.
  const didWork = report.incidents + report.deadLetters + report.enrichmentLookups > 0;
  if (options.actor.kind === 'cli' || didWork) {
    await trail.record({
      actor: options.actor.name,
      actorKind: options.actor.kind,
      action: 'retention.purge',
      target: report.before,
      outcome: 0,
      correlationId: `purge-${now.getTime()}`,
      detail: { type: 'activity', ...counts },
    });
  }
  return report;
}

import { AuditTrail } from '../modules/audit/audit-trail.js';
import { loadConfig } from '../modules/config/corral-config.js';
import { RetentionStore } from '../modules/persistence/retention-store.js';
import { purge as purgeBefore } from '../modules/retention/purge.js';
import type { CommonOptions } from './common-options.js';
import { openDatabase } from './open-database.js';
import { cliActor } from './operator.js';
import { printJson, printResult, Progress } from './progress.js';
import { UsageError } from './usage-error.js';

export interface PurgeOptions extends CommonOptions {
  /** Parsed and checked not to be in the future by corral.ts. */
  before?: Date;
  retention?: boolean;
  dryRun?: boolean;
}

/** `corral purge`: the retention procedure by hand (the server runs it daily, see RetentionJob). */
export async function purge(options: PurgeOptions): Promise<number> {
  if (options.before === undefined && !options.retention) throw new UsageError('give either --before <date> or --retention');
  const actor = cliActor(options.as);
  // A ConfigError reaches the operator as it is, through corral.ts.
  const config = loadConfig();
  const now = new Date();
  let before = options.before;
  if (before === undefined) {
    if (config.journal.retentionDays === 0) throw new UsageError('JOURNAL_RETENTION_DAYS is 0 (keep forever): nothing to purge; give --before <date> to purge anyway');
    before = new Date(now.getTime() - config.journal.retentionDays * 86_400_000);
  }
  const progress = new Progress(options.quiet === true);
  const db = await openDatabase(config);
  try {
    const report = await purgeBefore(new RetentionStore(db.dataSource), new AuditTrail(db.dataSource, config.chain.keys), {
      before,
      now,
      dryRun: options.dryRun === true,
      actor: { name: actor, kind: 'cli' },
      progress: (line) => progress.line(line),
    });
    if (options.json) await printJson(report);
    else {
      const verb = report.dryRun ? 'would forget' : 'forgot';
      await printResult(
        `${verb} ${report.incidents} incident(s) closed before ${report.before}` +
          (report.dryRun ? '' : ` (${report.keysDestroyed} keys destroyed, ${report.snapshotsScrubbed} snapshots scrubbed, ${report.ticketEventsDeleted} ticket events deleted)`) +
          `; ${report.dryRun ? 'would delete' : 'deleted'} ${report.deadLetters} dead letter(s) and ${report.enrichmentLookups} directory lookup(s)` +
          (report.plaintextRowsKept > 0 ? `; ${report.plaintextRowsKept} journal row(s) from before sealing stay readable` : ''),
      );
    }
    return 0;
  } finally {
    await db.close();
  }
}

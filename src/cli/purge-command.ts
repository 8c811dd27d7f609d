import { Logger } from '@nestjs/common';
import { AuditTrail } from '../modules/audit/audit-trail.js';
import { loadConfig } from '../modules/config/corral-config.js';
import { RetentionStore } from '../modules/persistence/retention-store.js';
import { purge } from '../modules/retention/purge.js';
import { openDatabase } from './open-database.js';

const USAGE = `usage: npm run corral -- purge --before <date> [--dry-run] [--json]
       npm run corral -- purge --retention [--dry-run] [--json]

Forgets the free text and tokens of incidents closed before <date> (ISO date or instant), or before
now − JOURNAL_RETENTION_DAYS with --retention: their journal data keys are destroyed (the journal's
sealed members then read "[forgotten]"; its hash chains still verify), titles, report vocabulary and
requester tokens are scrubbed from their snapshot and read models, their delivered ticket events are
deleted. Dead letters and directory lookups older than <date> are deleted. Incidents written to in
the last hour are left for the next run. Progress goes to stderr; the result to stdout. Running it
again does nothing more. Every run that is not --dry-run is recorded in the audit trail.`;

/** `npm run corral -- purge`: the retention procedure by hand (the server runs it daily, see RetentionJob). */
export async function run(args: string[]): Promise<number> {
  const options = parseOptions(args);
  if (typeof options === 'string') {
    console.error(`${options}\n\n${USAGE}`);
    return 2;
  }
  // Library logs (the audit trail's debug line) would land in stdout, which holds the result.
  Logger.overrideLogger(['error', 'warn']);
  // A ConfigError reaches the operator as it is, through corral.ts.
  const config = loadConfig();
  const now = new Date();
  let before = options.before;
  if (before === undefined) {
    if (config.journal.retentionDays === 0) {
      console.error('JOURNAL_RETENTION_DAYS is 0 (keep forever): nothing to purge; give --before to purge anyway');
      return 2;
    }
    before = new Date(now.getTime() - config.journal.retentionDays * 86_400_000);
  }
  if (before.getTime() > now.getTime()) {
    console.error(`--before ${before.toISOString()} is in the future`);
    return 2;
  }
  const db = await openDatabase(config);
  try {
    const report = await purge(new RetentionStore(db.dataSource), new AuditTrail(db.dataSource, config.chain.keys), {
      before,
      now,
      dryRun: options.dryRun,
      actor: { name: `cli:${process.env.USER ?? 'unknown'}`, kind: 'cli' },
      progress: (line) => console.error(line),
    });
    if (options.json) console.log(JSON.stringify(report, null, 2));
    else {
      const verb = report.dryRun ? 'would forget' : 'forgot';
      console.log(
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

function parseOptions(args: string[]): { before?: Date; dryRun: boolean; json: boolean } | string {
  const options: { before?: Date; dryRun: boolean; json: boolean } = { dryRun: false, json: false };
  let retention = false;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--dry-run') options.dryRun = true;
    else if (arg === '--json') options.json = true;
    else if (arg === '--retention') retention = true;
    else if (arg === '--before') {
      const value = args[i + 1];
      const at = value === undefined ? NaN : Date.parse(value);
      if (value === undefined || Number.isNaN(at)) return `--before needs a date (2025-01-31 or an ISO instant), got ${value === undefined ? 'nothing' : JSON.stringify(value)}`;
      options.before = new Date(at);
      i += 1;
    } else return `unknown option ${arg}`;
  }
  if (retention === (options.before !== undefined)) return 'give either --before <date> or --retention';
  return options;
}

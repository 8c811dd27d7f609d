import { AuditTrail } from '../modules/audit/audit-trail.js';
import { verifyChains, type VerifyReport } from '../modules/audit/chain-verifier.js';
import { loadConfig } from '../modules/config/corral-config.js';
import type { CommonOptions } from './common-options.js';
import { openDatabase } from './open-database.js';
import { cliActor } from './operator.js';
import { printJson, printResult, Progress } from './progress.js';

/** `corral audit verify`: the same check as GET /v1/audit/verify, without the server. */
export async function verify(options: CommonOptions): Promise<number> {
  const actor = cliActor(options.as);
  // A ConfigError reaches the operator as it is, through corral.ts.
  const config = loadConfig();
  const progress = new Progress(options.quiet === true);
  const db = await openDatabase(config);
  let report: VerifyReport;
  try {
    report = await verifyChains(db.dataSource, config.chain, (line) => progress.tick(() => line));
    // Verifying reads the whole trail: that read is itself audited.
    await new AuditTrail(db.dataSource, config.chain.keys).record({
      actor,
      actorKind: 'cli',
      action: 'audit.verify',
      outcome: 0,
      correlationId: `cli-${Date.now()}`,
      detail: { type: 'query', ok: report.ok },
    });
  } finally {
    await db.close();
  }
  if (options.json) await printJson(report);
  else await printResult(describe(report));
  return report.ok ? 0 : 1;
}

function describe({ journal, audit, checkpoint }: VerifyReport): string {
  const listed = (count: number, shown: number) => (count > shown ? ` (the first ${shown} listed)` : '');
  return [
    `journal: ${journal.rows} rows in ${journal.chains} chains (${journal.legacyRows} from before the chains were keyed) — ${journal.brokenRows === 0 ? 'intact' : `BROKEN: ${journal.brokenRows} row(s) in ${journal.brokenChains} chain(s)${listed(journal.brokenRows, journal.broken.length)}`}`,
    ...journal.broken.map((b) => `  signature ${JSON.stringify(b.signature)} seq ${b.seq}: ${b.reason}`),
    `audit:   ${audit.rows} rows (${audit.legacyRows} from before the chain was keyed) — ${audit.brokenRows === 0 ? 'intact' : `BROKEN: ${audit.brokenRows} row(s)${listed(audit.brokenRows, audit.broken.length)}`}`,
    ...audit.broken.map((b) => `  id ${b.id}: ${b.reason}`),
    `checkpoint: ${checkpoint.at ? `latest of ${checkpoint.at} in ${checkpoint.file}` : `none readable in ${checkpoint.file} (removed newest rows cannot be detected)`}${checkpoint.problems.length === 0 ? '' : ' — TRUNCATED OR FORGED'}`,
    ...checkpoint.problems.map((p) => `  ${p}`),
  ].join('\n');
}

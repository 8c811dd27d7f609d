import { AuditTrail } from '../modules/audit/audit-trail.js';
import { verifyChains } from '../modules/audit/chain-verifier.js';
import { loadConfig } from '../modules/config/corral-config.js';
import { openDatabase } from './open-database.js';

const USAGE = `usage: npm run corral -- audit verify [--json]

Recomputes the journal's hash chains (one per signature) and the audit trail's chain with the chain
key (CORRAL_CHAIN_KEY, or chain.key in the data directory), checks them against the latest signed
checkpoint (CORRAL_CHAIN_CHECKPOINT_FILE) and reports every broken row (the first 100 listed, all
counted). Exits 0 when everything holds, 1 when something does not.`;

/** `npm run corral -- audit verify`: the same check as GET /v1/audit/verify, without the server. */
export async function run(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'verify' || rest.some((a) => a !== '--json')) {
    console.error(USAGE);
    return 2;
  }
  // A ConfigError reaches the operator as it is, through corral.ts.
  const config = loadConfig();
  const db = await openDatabase(config);
  try {
    const report = await verifyChains(db.dataSource, config.chain);
    // Verifying reads the whole trail: that read is itself audited.
    await new AuditTrail(db.dataSource, config.chain.keys).record({
      actor: `cli:${process.env.USER ?? 'unknown'}`,
      actorKind: 'cli',
      action: 'audit.verify',
      outcome: 0,
      correlationId: `cli-${Date.now()}`,
      detail: { type: 'query', ok: report.ok },
    });
    if (rest.includes('--json')) {
      console.log(JSON.stringify(report, null, 2));
    } else {
      const { journal, audit, checkpoint } = report;
      const listed = (count: number, shown: number) => (count > shown ? ` (the first ${shown} listed)` : '');
      console.log(`journal: ${journal.rows} rows in ${journal.chains} chains (${journal.legacyRows} from before the chains were keyed) — ${journal.brokenRows === 0 ? 'intact' : `BROKEN: ${journal.brokenRows} row(s) in ${journal.brokenChains} chain(s)${listed(journal.brokenRows, journal.broken.length)}`}`);
      for (const b of journal.broken) console.log(`  signature ${JSON.stringify(b.signature)} seq ${b.seq}: ${b.reason}`);
      console.log(`audit:   ${audit.rows} rows (${audit.legacyRows} from before the chain was keyed) — ${audit.brokenRows === 0 ? 'intact' : `BROKEN: ${audit.brokenRows} row(s)${listed(audit.brokenRows, audit.broken.length)}`}`);
      for (const b of audit.broken) console.log(`  id ${b.id}: ${b.reason}`);
      console.log(`checkpoint: ${checkpoint.at ? `latest of ${checkpoint.at} in ${checkpoint.file}` : `none readable in ${checkpoint.file} (removed newest rows cannot be detected)`}${checkpoint.problems.length === 0 ? '' : ' — TRUNCATED OR FORGED'}`);
      for (const p of checkpoint.problems) console.log(`  ${p}`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

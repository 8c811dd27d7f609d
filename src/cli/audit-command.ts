import { AuditTrail } from '../modules/audit/audit-trail.js';
import { verifyChains } from '../modules/audit/chain-verifier.js';
import { loadConfig } from '../modules/config/corral-config.js';
import { openDatabase } from './open-database.js';

const USAGE = `usage: npm run corral -- audit verify [--json]

Recomputes the journal's hash chains (one per signature) and the audit trail's chain and reports
the first link that does not hold. Exits 0 when both are intact, 1 when one is broken.`;

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
    const report = await verifyChains(db.dataSource);
    // Verifying reads the whole trail: that read is itself audited.
    await new AuditTrail(db.dataSource).record({
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
      const { journal, audit } = report;
      console.log(`journal: ${journal.rows} rows in ${journal.chains} chains — ${journal.firstBroken ? `BROKEN (${journal.brokenChains} chain(s)); first: signature ${JSON.stringify(journal.firstBroken.signature)} seq ${journal.firstBroken.seq}: ${journal.firstBroken.reason}` : 'intact'}`);
      console.log(`audit:   ${audit.rows} rows — ${audit.firstBroken ? `BROKEN at id ${audit.firstBroken.id}: ${audit.firstBroken.reason}` : 'intact'}`);
    }
    return report.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

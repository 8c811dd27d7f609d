import { ChainKeys } from '../src/actors/chain-keys.js';
import { AuditTrail } from '../src/modules/audit/audit-trail.js';
import { withMigratedDatabase } from './services.js';

/**
 * The audit trail alone: N `record` calls at once, as N concurrent audited requests make them, on
 * the app's pool (10 connections) against the real Postgres. `npm run bench:audit-append [-- <N>]`.
 */
const N = Number(process.argv[2] ?? 2000);

async function main(): Promise<void> {
  await withMigratedDatabase(async (ds) => {
    const trail = new AuditTrail(ds, new ChainKeys(['bench-chain-key-0123456789abcdefghijklmnop']));
    const started = performance.now();
    await Promise.all(Array.from({ length: N }, (_, i) => trail.record({ actor: 'bench', actorKind: 'api-key', action: 'incident.read', target: `t-${i}`, outcome: 0, correlationId: `c-${i}` })));
    const seconds = (performance.now() - started) / 1000;
    const [{ transactions }] = await ds.query<[{ transactions: string }]>(`SELECT count(DISTINCT xmin::text)::text AS transactions FROM audit`);
    console.log(JSON.stringify({ records: N, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(N / seconds), transactions: Number(transactions) }));
  });
}

void main();

import { Agent, request } from 'node:http';
import { createDatabase, progress, startCorral, withPg } from './services.js';

/**
 * N concurrent audited reads (GET /v1/incidents/<id>, each one audit row written before the answer
 * leaves) against a corral process on the real Postgres: how many the audit trail lets through per
 * second. `npm run bench:audited-reads [-- <requests> <concurrency>]`.
 */
const REQUESTS = Number(process.argv[2] ?? 2000);
const CONCURRENCY = Number(process.argv[3] ?? 64);
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function get(url: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization } }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}

async function main(): Promise<void> {
  const db = await createDatabase();
  const corral = await startCorral(db.url);
  try {
    const latencies: number[] = [];
    let next = 0;
    const statuses = new Map<number, number>();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < REQUESTS) {
          const i = next++;
          const t0 = performance.now();
          const status = await get(`${corral.baseUrl}/v1/incidents/00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, corral.authorization);
          latencies.push(performance.now() - t0);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const rows = await withPg(db.url, async (c) => (await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit WHERE action = 'incident.read'`)).rows[0].n);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1);
    console.log(
      JSON.stringify({ requests: REQUESTS, concurrency: CONCURRENCY, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(REQUESTS / seconds), p50ms: Number(at(0.5)), p99ms: Number(at(0.99)), auditRows: Number(rows), statuses: Object.fromEntries(statuses) }),
    );
  } finally {
    progress('stopping');
    await corral.stop();
    await db.drop();
  }
}

void main();

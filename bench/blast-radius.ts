/**
 * `npm run bench:blast-radius`: GET /v1/blast-radius latency with 5,000 open incidents and 100,000
 * children of theirs (plus 20,000 resolved incidents with 100,000 children, so "open" has to be
 * found among history). The read models are seeded directly with SQL, then corral (in-process, its
 * own database, the in-process bus) is asked over HTTP with a leadership key:
 *   - warm: nothing changed since the last answer (the usual case: dashboards asking every second);
 *   - changed: an incident is written before every request (a new `xmin`, so a new version), so
 *     every answer finds the changed incident, reads it again and updates the answer from it;
 *   - ?at=: a past instant (never cached).
 * Prints the numbers and a Markdown section for BENCHMARKS.md.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/bootstrap.js';
import { ApiKeys } from '../src/modules/auth/api-keys.js';
import { loadConfig } from '../src/modules/config/corral-config.js';
import { PG_ADMIN_URL, progress, suffix, withPg } from './services.js';

const OPEN = 5_000;
const RESOLVED = 20_000;
const CHILDREN_PER_OPEN = 20;
const CHILDREN_PER_RESOLVED = 5;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { n: sorted.length, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? NaN };
}

async function seed(url: string): Promise<void> {
  await withPg(url, async (db) => {
    // Incident g: open for g ≤ OPEN; 40 systems, 25 facilities, 4 priorities, a tenth with a dependency parent.
    await db.query(
      `INSERT INTO incident (id, signature, status, title, severity, system, facilities, departments, first_seen, last_seen, opened_at, resolved_at,
                             child_count, distinct_requesters, patient_impact, correlation_id, updated_at, origin, priority, queue, parent_id, acknowledged_at)
       SELECT md5('bench-' || g)::uuid, 'bench-' || g, CASE WHEN g <= $1::int THEN 'open' ELSE 'resolved' END, 'bench incident', 'high', 'system-' || (g % 40),
              ARRAY['facility-' || (g % 25), 'facility-' || ((g + 1) % 25), 'facility-' || ((g + 2) % 25)], ARRAY['dept-' || (g % 12)],
              now() - (g || ' seconds')::interval, now() - ((g / 2) || ' seconds')::interval, now() - (g || ' seconds')::interval,
              CASE WHEN g <= $1::int THEN NULL ELSE now() - ((g / 3) || ' seconds')::interval END,
              CASE WHEN g <= $1::int THEN $3::int ELSE $4::int END, CASE WHEN g <= $1::int THEN $3::int - g % 5 ELSE $4::int END,
              g % 7 = 0, 'bench', now() - interval '1 hour', CASE WHEN g % 3 = 0 THEN 'report' ELSE 'machine' END, 'P' || (1 + g % 4), 'queue-' || (g % 6),
              CASE WHEN g % 10 = 0 AND g > 10 THEN md5('bench-' || (g - 10))::uuid END,
              CASE WHEN g % 2 = 0 THEN now() - ((g - 60) || ' seconds')::interval END
         FROM generate_series(1, $1::int + $2::int) g`,
      [OPEN, RESOLVED, CHILDREN_PER_OPEN, CHILDREN_PER_RESOLVED],
    );
    await db.query(
      `INSERT INTO incident_child (incident_id, child_key, id, kind, source_type, source_system, status, severity, first_seen, changed_at, repeats, requester_token, facility, department)
       SELECT md5('bench-' || g)::uuid, 'c' || k, 'bench-' || g || '-' || k, CASE WHEN k % 2 = 0 THEN 'report' ELSE 'alert' END, 'canonical', 'bench', 'firing', 'high',
              now() - ((g + k) || ' seconds')::interval, now(), 0, CASE WHEN k % 2 = 0 THEN 'tok-' || ((g * 7 + k) % 30000) END,
              'facility-' || ((g + k % 3) % 25), 'dept-' || ((g + k) % 12)
         FROM generate_series(1, $1::int + $2::int) g, generate_series(1, CASE WHEN g <= $1::int THEN $3::int ELSE $4::int END) k`,
      [OPEN, RESOLVED, CHILDREN_PER_OPEN, CHILDREN_PER_RESOLVED],
    );
    await db.query(`ANALYZE incident; ANALYZE incident_child`);
  });
}

async function main(): Promise<void> {
  const name = `corral_bench_br_${suffix()}`;
  await withPg(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE ${name}`));
  const dbUrl = new URL(PG_ADMIN_URL);
  dbUrl.pathname = `/${name}`;
  const app = await createApp(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: dbUrl.toString(),
      CORRAL_TOKEN_KEY: 'bench-token-key-0123456789abcdefghijklmnop',
      CORRAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'corral-bench-br-')),
      CORRAL_RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'error',
    }),
  );
  try {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    const { key } = await app.get(ApiKeys, { strict: false }).create({ role: 'leadership', label: 'bench', createdBy: 'bench' });
    const headers = { authorization: `Bearer ${key}` };

    progress(`seeding ${OPEN} open incidents × ${CHILDREN_PER_OPEN} children and ${RESOLVED} resolved × ${CHILDREN_PER_RESOLVED}`);
    const seeded = Date.now();
    await seed(dbUrl.toString());
    progress(`seeded in ${Date.now() - seeded} ms`);

    const time = async (path: string, before?: () => Promise<void>) => {
      await before?.();
      const start = process.hrtime.bigint();
      const response = await fetch(`${base}${path}`, { headers });
      const body = (await response.json()) as { totals?: { incidents: number } };
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
      return { ms, body };
    };

    const first = await time('/v1/blast-radius');
    if (first.body.totals?.incidents !== OPEN) throw new Error(`expected ${OPEN} open incidents, got ${JSON.stringify(first.body.totals)}`);
    progress(`first answer (cold cache, cold Postgres buffers) ${first.ms.toFixed(1)} ms`);

    const warm: number[] = [];
    for (let i = 0; i < 1000; i += 1) warm.push((await time('/v1/blast-radius')).ms);

    let touch = 0;
    const bump = () => withPg(dbUrl.toString(), (db) => db.query(`UPDATE incident SET updated_at = now() WHERE id = md5('bench-' || $1)::uuid`, [1 + (touch++ % OPEN)])).then(() => undefined);
    const changed: number[] = [];
    for (let i = 0; i < 200; i += 1) changed.push((await time('/v1/blast-radius', bump)).ms);

    const at = new Date(Date.now() - 600_000).toISOString();
    const past: number[] = [];
    for (let i = 0; i < 100; i += 1) past.push((await time(`/v1/blast-radius?at=${encodeURIComponent(at)}`)).ms);

    const rows = [
      ['unchanged read models (cached per version)', summary(warm)],
      ['an incident written before every request (answer updated from it)', summary(changed)],
      ['`?at=` 10 min ago (never cached)', summary(past)],
    ] as const;
    const fmt = (n: number) => n.toFixed(1);
    console.log(`\n## Blast radius (\`npm run bench:blast-radius\`, ${new Date().toISOString().slice(0, 10)})\n`);
    console.log(`${OPEN.toLocaleString('en')} open incidents with ${(OPEN * CHILDREN_PER_OPEN).toLocaleString('en')} children, plus ${RESOLVED.toLocaleString('en')} resolved with ${(RESOLVED * CHILDREN_PER_RESOLVED).toLocaleString('en')}; GET /v1/blast-radius over HTTP with a leadership key (suppression included), one request at a time.\n`);
    console.log('| case | requests | p50 ms | p95 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|---|---|');
    for (const [label, s] of rows) console.log(`| ${label} | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ${fmt(s.max)} |`);
  } finally {
    await app.close();
    await withPg(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

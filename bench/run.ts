import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { connect } from '@nats-io/transport-node';
import { drive, openLoop } from './http-load.js';
import { driveJetStream, openLoopJetStream } from './jetstream-load.js';
import { postgresFloor } from './postgres-floor.js';
import { renderMarkdown, verdicts, type ActorMemory, type BenchResult, type Machine } from './report.js';
import { CORRAL_NODE_FLAGS, createDatabase, memoryOf, NATS_URL, PG_ADMIN_URL, progress, startAlertmanager, startCorral, suffix, withPg, type AlertmanagerGrouping, type BenchDatabase, type CorralProcess } from './services.js';
import { AlertStream, ISSUE_SHAPE, toAlertmanagerApi, toWebhook } from './workload.js';

/**
 * npm run bench [-- --quick] [-- --out FILE] [-- --cpu-prof DIR]
 * Progress goes to stderr, the result as JSON to stdout, and (full runs, or --out) Markdown to a file.
 */
interface Options {
  quick: boolean;
  out: string | undefined;
  cpuProfileDir: string | undefined;
}

function parseArgs(argv: string[]): Options {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  return { quick, out: value('--out') ?? (quick ? undefined : 'BENCHMARKS.md'), cpuProfileDir: value('--cpu-prof') };
}

const SIZES = {
  full: { httpAlerts: 100_000, latencySeconds: 10, latencyRate: 5_000, jetstreamLatencySeconds: 30, jetstreamSeconds: 60, jetstreamBacklog: 10_000, actors: 100_000, hydrations: 1_000 },
  quick: { httpAlerts: 2_000, latencySeconds: 1, latencyRate: 1_000, jetstreamLatencySeconds: 2, jetstreamSeconds: 2, jetstreamBacklog: 1_000, actors: 1_000, hydrations: 100 },
};
const BATCH = 500;
const NOTES = '## Notes (kept when the file is regenerated)';
const CONCURRENCY = 4;

async function machine(alertmanager: string): Promise<Machine> {
  const cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const postgres = await withPg(PG_ADMIN_URL, async (c) => (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown');
  const nc = await connect({ servers: NATS_URL });
  const nats = nc.info?.version ?? 'unknown';
  await nc.close();
  const revision = spawnSync('git', ['describe', '--always', '--dirty'], { encoding: 'utf8' }).stdout.trim() || 'unknown';
  return { cpus: cpus().length, cpuModel, memoryGiB: totalmem() / 1024 ** 3, kernel: release(), node: process.version, postgres, nats, alertmanager, revision };
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

async function actorMemory(actors: number, hydrations: number): Promise<ActorMemory> {
  const db = await createDatabase();
  try {
    const child = spawn(process.execPath, [...CORRAL_NODE_FLAGS, '--expose-gc', 'dist/bench/actor-memory.js', String(actors), String(hydrations)], {
      env: { ...process.env, DATABASE_URL: db.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`actor-memory exited with ${code}`);
    return JSON.parse(stdout.trim().split('\n').pop() ?? '') as ActorMemory;
  } finally {
    await db.drop();
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const size = options.quick ? SIZES.quick : SIZES.full;
  const run = suffix();

  progress(`generating ${size.httpAlerts} alerts over ${ISSUE_SHAPE.signatures} Zipf-distributed signatures`);
  const httpStream = new AlertStream(ISSUE_SHAPE, `http-${run}`);
  const batches = chunks(httpStream.take(size.httpAlerts), BATCH);
  const amBodies = batches.map(toAlertmanagerApi);
  const webhookBodies = batches.map(toWebhook);
  const latencyStream = new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 1 }, `lat-${run}`);
  const latencyBodies = latencyStream.take(size.latencySeconds * size.latencyRate).map((alert) => toWebhook([alert]));

  // Alertmanager in both groupings (see AlertmanagerGrouping), one after the other.
  const measureAlertmanager = async (grouping: AlertmanagerGrouping) => {
    progress(`phase 1: Alertmanager over HTTP (grouping: ${grouping})`);
    const am = await startAlertmanager(grouping);
    try {
      const result = await drive(`alertmanager (${grouping})`, `${am.baseUrl}/api/v2/alerts`, amBodies, { perBody: BATCH, concurrency: CONCURRENCY, accepted: (s) => s === 200 });
      // Alertmanager answers 200 before it has looked at anything but the JSON; check it kept them all.
      const listed = (await (await fetch(`${am.baseUrl}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true`)).json()) as unknown[];
      progress(`alertmanager (${grouping}): ${Math.round(result.perSecond)} alerts/s; ${listed.length} active alerts listed`);
      return { throughput: { ...result, peakRssBytes: memoryOf(am.pid).peak, active: listed.length }, version: am.version };
    } finally {
      await am.stop();
    }
  };
  const { throughput: alertmanager, version: alertmanagerVersion } = await measureAlertmanager('none');
  const { throughput: alertmanagerPerAlert } = await measureAlertmanager('per-alert');

  progress('phase 1: PostgreSQL alone, each alert of the same batches appended as one row');
  const floor = await postgresFloor(webhookBodies, { perBody: BATCH, concurrency: CONCURRENCY });
  progress(`postgres floor: ${Math.round(floor.perSecond)} alerts/s; ${floor.rows} rows`);

  // Each corral phase starts from an empty database, as Alertmanager starts from empty memory: what
  // one phase leaves behind (large incidents) does not slow the next.
  const peaks: number[] = [];
  const exitCodes: Array<number | null> = [];
  const withCorral = async <T>(work: (corral: CorralProcess, db: BenchDatabase) => Promise<T>): Promise<T> => {
    const db = await createDatabase();
    try {
      const corral = await startCorral(db.url, options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {});
      try {
        return await work(corral, db);
      } finally {
        peaks.push(memoryOf(corral.pid).peak);
        exitCodes.push(await corral.stop());
      }
    } finally {
      await db.drop();
    }
  };

  progress('phase 2: corral over HTTP (Alertmanager webhook route)');
  const corralHttp = await withCorral(async (corral, db) => {
    const result = await drive('corral http', `${corral.baseUrl}/v1/ingest/alertmanager`, webhookBodies, {
      perBody: BATCH,
      concurrency: CONCURRENCY,
      accepted: (s) => s === 202,
      headers: { authorization: corral.authorization },
    });
    const kept = await withPg(db.url, async (c) =>
      (await c.query<{ children: number; repeats: number }>(`SELECT count(*)::int AS children, coalesce(sum(repeats), 0)::int AS repeats FROM incident_child`)).rows[0],
    );
    return { ...result, children: kept?.children ?? 0, repeats: kept?.repeats ?? 0 };
  });
  progress(`corral http: ${Math.round(corralHttp.perSecond)} alerts/s; ${corralHttp.children} children, ${corralHttp.repeats} repeats kept`);

  progress(`phase 3: corral latency, 1-alert requests at ${size.latencyRate}/s for ${size.latencySeconds} s`);
  const latency = await withCorral((corral) => openLoop('corral latency', `${corral.baseUrl}/v1/ingest/alertmanager`, latencyBodies, size.latencyRate, { authorization: corral.authorization }));
  progress(`corral latency: p50 ${latency.p50Ms.toFixed(1)} ms, p99 ${latency.p99Ms.toFixed(1)} ms`);

  progress(`phase 4: corral latency over JetStream, one event per message at ${size.latencyRate}/s for ${size.jetstreamLatencySeconds} s`);
  const latencyJetStream = await withCorral((corral) =>
    openLoopJetStream(corral.namespace, new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 3 }, `jlat-${run}`), size.latencyRate, size.jetstreamLatencySeconds),
  );
  progress(`corral latency over JetStream: p50 ${latencyJetStream.p50Ms.toFixed(1)} ms, p99 ${latencyJetStream.p99Ms.toFixed(1)} ms`);

  progress(`phase 5: corral over JetStream for ${size.jetstreamSeconds} s`);
  const jetstream = await withCorral((corral) =>
    driveJetStream(corral.namespace, new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 2 }, `js-${run}`), size.jetstreamSeconds, size.jetstreamBacklog),
  );
  const corralPeakRssBytes = Math.max(...peaks);

  progress(`phase 6: memory per live actor (${size.actors}) and hydration (${size.hydrations})`);
  const actors = await actorMemory(size.actors, size.hydrations);

  const result: BenchResult = {
    quick: options.quick,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    date: new Date().toISOString().slice(0, 10),
    machine: await machine(alertmanagerVersion),
    shape: ISSUE_SHAPE,
    batchSize: BATCH,
    concurrency: CONCURRENCY,
    httpMix: httpStream.mix,
    alertmanager,
    corralHttp,
    ratio: corralHttp.perSecond / alertmanager.perSecond,
    alertmanagerPerAlert,
    ratioPerAlert: corralHttp.perSecond / alertmanagerPerAlert.perSecond,
    floor,
    latency,
    latencyJetStream,
    jetstream,
    corralPeakRssBytes,
    corralExitCodes: exitCodes,
    actors,
  };
  if (options.out) {
    // Hand-written analysis below the NOTES heading survives regeneration.
    const previous = existsSync(options.out) ? readFileSync(options.out, 'utf8') : '';
    const notes = previous.includes(NOTES) ? previous.slice(previous.indexOf(NOTES)) : '';
    writeFileSync(options.out, `${renderMarkdown(result)}${notes ? `\n${notes}` : ''}`);
    progress(`wrote ${options.out}`);
  }
  for (const v of verdicts(result)) progress(`${v.met === undefined ? '·' : v.met ? '✓' : '✗'} ${v.target}: ${v.measured}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

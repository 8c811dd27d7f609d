import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { connect } from '@nats-io/transport-node';
import { drive, openLoop } from './http-load.js';
import { awaitCorrelated, InboxGauges } from './inbox.js';
import { driveJetStream, openLoopJetStream, rawJetStream } from './jetstream-load.js';
import { postgresFloor } from './postgres-floor.js';
import { renderMarkdown, summarize, verdicts, type ActorMemory, type BenchResult, type Machine, type Round } from './report.js';
import { CORRAL_NODE_FLAGS, createDatabase, memoryOf, NATS_URL, PG_ADMIN_URL, checkpointNow, progress, startAlertmanager, startCorral, suffix, walWritten, withPg, type BenchDatabase, type CorralProcess } from './services.js';
import { AlertStream, chunks, ISSUE_SHAPE, toAlertmanagerApi, toWebhook } from './workload.js';

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

/**
 * Full sizes are issue 23's: five rounds of 100,000 alerts into one database, 5,000 one-alert
 * requests/s for 10 s. The JetStream phases are shorter than issue 5's (20 s open loop instead of
 * 30, a 30 s window instead of 60) to keep the whole run near six minutes now that the HTTP phase
 * is five rounds.
 */
const SIZES = {
  full: { roundAlerts: 100_000, rounds: 5, latencySeconds: 10, latencyRate: 5_000, jetstreamLatencySeconds: 20, jetstreamSeconds: 30, jetstreamBacklog: 10_000, actors: 100_000, hydrations: 1_000 },
  quick: { roundAlerts: 2_000, rounds: 3, latencySeconds: 1, latencyRate: 1_000, jetstreamLatencySeconds: 2, jetstreamSeconds: 2, jetstreamBacklog: 1_000, actors: 1_000, hydrations: 100 },
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

/** Alertmanager answers 200 before it has looked at anything but the JSON; its listing says whether it kept the alerts. */
async function activeAlerts(baseUrl: string): Promise<number> {
  return ((await (await fetch(`${baseUrl}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true`)).json()) as unknown[]).length;
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

/**
 * One round's alerts: a stream of its own (its own seed, and a tag in every new alert's `instance`
 * label), so no alert of a round repeats one of an earlier round and nothing is a duplicate at the
 * inbox across rounds; within a round, the usual share of resends and resolves. The signatures
 * (`system` labels) are drawn from the same Zipf ranks every round, so later rounds land on
 * incidents the earlier ones opened, as a site's alerts do day after day.
 */
function roundWorkload(round: number, alerts: number, run: string) {
  const stream = new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 100 * round }, `r${round}-${run}`);
  const batches = chunks(stream.take(alerts), BATCH);
  return { mix: stream.mix, amBodies: batches.map(toAlertmanagerApi), webhookBodies: batches.map(toWebhook) };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const size = options.quick ? SIZES.quick : SIZES.full;
  const run = suffix();

  progress(`generating round 1: ${size.roundAlerts} alerts over ${ISSUE_SHAPE.signatures} Zipf-distributed signatures`);
  const first = roundWorkload(1, size.roundAlerts, run);
  const latencyStream = new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 1 }, `lat-${run}`);
  const latencyBodies = latencyStream.take(size.latencySeconds * size.latencyRate).map((alert) => toWebhook([alert]));

  // Reference figures on round 1's alerts, before the rounds: Alertmanager grouping per alert
  // (see AlertmanagerGrouping) and PostgreSQL alone.
  progress('reference: Alertmanager grouping per alert, round 1 alerts');
  const amPerAlert = await startAlertmanager('per-alert');
  let alertmanagerPerAlert: BenchResult['alertmanagerPerAlert'];
  try {
    const result = await drive('alertmanager (per-alert)', `${amPerAlert.baseUrl}/api/v2/alerts`, first.amBodies, { perBody: BATCH, concurrency: CONCURRENCY, accepted: (s) => s === 200 });
    alertmanagerPerAlert = { ...result, peakRssBytes: memoryOf(amPerAlert.pid).peak, active: await activeAlerts(amPerAlert.baseUrl) };
    progress(`alertmanager (per-alert): ${Math.round(result.perSecond)} alerts/s; ${alertmanagerPerAlert.active} active alerts listed`);
  } finally {
    await amPerAlert.stop();
  }
  progress('reference: PostgreSQL alone, each alert of round 1 appended as one row');
  const floor = await postgresFloor(first.webhookBodies, { perBody: BATCH, concurrency: CONCURRENCY });
  progress(`postgres floor: ${Math.round(floor.perSecond)} alerts/s; ${floor.rows} rows`);

  const peaks: number[] = [];
  const exitCodes: Array<number | null> = [];
  const withCorral = async <T>(work: (corral: CorralProcess, db: BenchDatabase, gauges: InboxGauges) => Promise<T>): Promise<T> => {
    const db = await createDatabase();
    try {
      const corral = await startCorral(db.url, options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {});
      try {
        return await work(corral, db, new InboxGauges(corral.baseUrl, corral.authorization));
      } finally {
        peaks.push(memoryOf(corral.pid).peak);
        exitCodes.push(await corral.stop());
      }
    } finally {
      await db.drop();
    }
  };

  // The rounds: one Alertmanager (no grouping, its cheapest) and one corral database for all of
  // them, so each keeps what the earlier rounds left, as in production; each round posts its alerts
  // to Alertmanager, then the same alerts to corral, then waits until corral's correlation has
  // caught up, so no round pays for the one before.
  const am = await startAlertmanager('none');
  const alertmanagerVersion = am.version;
  let http: Pick<BenchResult, 'rounds' | 'alertmanagerActive' | 'alertmanagerPeakRssBytes' | 'corralKept'>;
  try {
    http = await withCorral(async (corral, db, gauges) => {
      const rounds: Round[] = [];
      for (let round = 1; round <= size.rounds; round++) {
        if (round > 1) progress(`generating round ${round}: ${size.roundAlerts} alerts`);
        const workload = round === 1 ? first : roundWorkload(round, size.roundAlerts, run);
        progress(`round ${round}/${size.rounds}: Alertmanager`);
        const alertmanager = await drive(`round ${round} alertmanager`, `${am.baseUrl}/api/v2/alerts`, workload.amBodies, { perBody: BATCH, concurrency: CONCURRENCY, accepted: (s) => s === 200 });
        progress(`round ${round}/${size.rounds}: corral`);
        const appendedBefore = (await gauges.read())?.appended;
        const startedAt = performance.now();
        const accepted = await drive(`round ${round} corral`, `${corral.baseUrl}/v1/ingest/alertmanager`, workload.webhookBodies, {
          perBody: BATCH,
          concurrency: CONCURRENCY,
          accepted: (s) => s === 202,
          headers: { authorization: corral.authorization },
          tally: true,
        });
        const correlation = await awaitCorrelated(gauges, { startedAt, answeredAt: performance.now(), events: accepted.alerts, appendedBefore });
        rounds.push({ round, mix: workload.mix, alertmanager, corral: accepted, correlation, ratio: accepted.perSecond / alertmanager.perSecond });
        progress(
          `round ${round}: Alertmanager ${Math.round(alertmanager.perSecond)}/s, corral accepted ${Math.round(accepted.perSecond)}/s (${(accepted.perSecond / alertmanager.perSecond).toFixed(2)}×), ` +
            `correlated ${correlation.measured ? `${Math.round(correlation.perSecond)}/s, caught up ${correlation.afterLastAnswerSeconds.toFixed(1)} s after the last 202` : 'n/a (no inbox gauges: 202 after correlation)'}; ` +
            `answers: ${accepted.answers?.accepted} accepted, ${accepted.answers?.duplicates} duplicates`,
        );
      }
      // Everything is correlated by now (the last round waited for it): what the database kept.
      const kept = await withPg(db.url, async (c) =>
        (await c.query<{ children: number; repeats: number }>(`SELECT count(*)::int AS children, coalesce(sum(repeats), 0)::int AS repeats FROM incident_child`)).rows[0],
      );
      return { rounds, alertmanagerActive: await activeAlerts(am.baseUrl), alertmanagerPeakRssBytes: memoryOf(am.pid).peak, corralKept: { children: kept?.children ?? 0, repeats: kept?.repeats ?? 0 } };
    });
  } finally {
    await am.stop();
  }

  progress(`latency: 1-alert requests at ${size.latencyRate}/s for ${size.latencySeconds} s, open loop`);
  const latency = await withCorral(async (corral, _db, gauges) => {
    const appendedBefore = (await gauges.read())?.appended;
    const { result, startedAt, answeredAt } = await openLoop('latency', `${corral.baseUrl}/v1/ingest/alertmanager`, latencyBodies, size.latencyRate, { authorization: corral.authorization }, {
      warmUrl: `${corral.baseUrl}/health/live`,
    });
    const correlation = await awaitCorrelated(gauges, { startedAt, answeredAt, events: result.statuses['202'] ?? 0, appendedBefore });
    return { ...result, correlation };
  });
  progress(`latency: p50 ${latency.p50Ms.toFixed(1)} ms, p99 ${latency.p99Ms.toFixed(1)} ms, p99.9 ${latency.p999Ms.toFixed(1)} ms; statuses ${JSON.stringify(latency.statuses)}, ${latency.errors} errors`);

  progress(`JetStream latency: one event per message at ${size.latencyRate}/s for ${size.jetstreamLatencySeconds} s`);
  const latencyJetStream = await withCorral((corral, _db, gauges) =>
    openLoopJetStream(corral.namespace, gauges, new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 3 }, `jlat-${run}`), size.latencyRate, size.jetstreamLatencySeconds),
  );
  progress(`JetStream latency: p50 ${latencyJetStream.p50Ms.toFixed(1)} ms, p99 ${latencyJetStream.p99Ms.toFixed(1)} ms`);

  progress(`JetStream throughput: ${size.jetstreamSeconds} s window`);
  let jetstreamWal: BenchResult['jetstreamWal'];
  const jetstream = await withCorral(async (corral, _db, gauges) => {
    await checkpointNow();
    const before = await walWritten();
    const result = await driveJetStream(corral.namespace, gauges, new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 2 }, `js-${run}`), size.jetstreamSeconds, size.jetstreamBacklog);
    // Every event of the window was correlated when driveJetStream returns (it waits for it): the
    // WAL since `before` is intake's and correlation's, per event of the window.
    const after = await walWritten();
    const events = result.published;
    jetstreamWal = { bytesPerEvent: Math.round((after.bytes - before.bytes) / events), fullPageImages: after.fullPages - before.fullPages, eventsCorrelated: events };
    progress(`JetStream WAL: ${jetstreamWal.bytesPerEvent} bytes per event (${jetstreamWal.fullPageImages} full-page images)`);
    return result;
  });
  progress(`raw JetStream (the same NATS, no corral): ${size.jetstreamSeconds} s window`);
  const rawJetStreamResult = await rawJetStream(new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 4 }, `raw-${run}`), size.jetstreamSeconds, size.jetstreamBacklog);
  const corralPeakRssBytes = Math.max(...peaks);

  progress(`memory per live actor (${size.actors}) and hydration (${size.hydrations})`);
  const actors = await actorMemory(size.actors, size.hydrations);

  const result: BenchResult = {
    quick: options.quick,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    date: new Date().toISOString().slice(0, 10),
    machine: await machine(alertmanagerVersion),
    shape: ISSUE_SHAPE,
    batchSize: BATCH,
    concurrency: CONCURRENCY,
    ...http,
    roundsSummary: summarize(http.rounds),
    alertmanagerPerAlert,
    ratioPerAlert: (http.rounds[0]?.corral.perSecond ?? Number.NaN) / alertmanagerPerAlert.perSecond,
    floor,
    latency,
    latencyJetStream,
    jetstream,
    rawJetStream: rawJetStreamResult,
    jetstreamWal,
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

import { readdirSync, readFileSync } from 'node:fs';
import { drive, openLoop } from './http-load.js';
import { driveJetStream, openLoopJetStream, rawJetStream } from './jetstream-load.js';
import { awaitCorrelated, InboxGauges } from './inbox.js';
import { checkpointNow, createDatabase, memoryOf, progress, startCorral, suffix, walByRelation, walWritten } from './services.js';
import { AlertStream, ISSUE_SHAPE, toWebhook } from './workload.js';

/**
 * npm run bench:phase -- http|latency|latency-jetstream|jetstream|raw-jetstream [--seconds N] [--rate N] [--alerts N] [--cpu-prof DIR] [--env K=V ...] [--node-arg ARG ...] [--corral-log FILE] [--keep-db]
 *
 * One corral phase of `npm run bench`, on its own and without Alertmanager, for working on one
 * path (with a CPU profile, or a changed setting) in a minute instead of the whole run. It prints
 * its result as JSON and does not touch BENCHMARKS.md: figures for the record come from the full run.
 * `--keep-db` leaves the run's database in place (its URL is printed) to look at what was written.
 * `--sample S` prints, every S seconds, what corral committed in that window and the CPU it and
 * Postgres spent per event: where a rate that falls during the run loses its time.
 * `--wal-by-relation` prints the phase's WAL by table and index (pg_walinspect), full-page images apart.
 */
const argv = process.argv.slice(2);
const value = (flag: string) => {
  const i = argv.indexOf(flag);
  return i >= 0 ? argv[i + 1] : undefined;
};
const phase = argv[0];
const env = Object.fromEntries(argv.flatMap((a, i) => (argv[i - 1] === '--env' ? [a.split('=', 2) as [string, string]] : [])));
const cpuProfileDir = value('--cpu-prof');
const nodeArgs = argv.flatMap((a, i) => (argv[i - 1] === '--node-arg' ? [a] : []));
const sampleSeconds = Number(value('--sample') ?? 0);

async function main(): Promise<void> {
  if (phase === 'raw-jetstream') {
    // NATS alone (no corral, no database): the reference the JetStream phase is compared with.
    const result = await rawJetStream(new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 4 }, `raw-${suffix()}`), Number(value('--seconds') ?? 20), 10_000);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  if (phase !== 'http' && phase !== 'latency' && phase !== 'latency-jetstream' && phase !== 'jetstream') {
    throw new Error('which phase? npm run bench:phase -- http|latency|latency-jetstream|jetstream [--seconds N] [--rate N] [--alerts N] [--cpu-prof DIR]');
  }
  const run = suffix();
  const db = await createDatabase();
  try {
    const logFile = value('--corral-log');
    const corral = await startCorral(db.url, { ...(cpuProfileDir ? { cpuProfileDir } : {}), ...(logFile ? { logFile } : {}), env, nodeArgs });
    const gauges = new InboxGauges(corral.baseUrl, corral.authorization);
    let result: unknown;
    const sampler = sampleSeconds > 0 ? sampleWindows(corral, sampleSeconds) : undefined;
    await checkpointNow();
    const walBefore = await walWritten();
    const committedBefore = await committedEvents(corral);
    try {
      if (phase === 'http') {
        const alerts = Number(value('--alerts') ?? 50_000);
        const stream = new AlertStream(ISSUE_SHAPE, `http-${run}`);
        const all = stream.take(alerts);
        const bodies = Array.from({ length: Math.ceil(all.length / 500) }, (_, i) => toWebhook(all.slice(i * 500, (i + 1) * 500)));
        const appendedBefore = (await gauges.read())?.appended;
        const startedAt = performance.now();
        const accepted = await drive('corral http', `${corral.baseUrl}/v1/ingest/alertmanager`, bodies, { perBody: 500, concurrency: 4, accepted: (s) => s === 202, headers: { authorization: corral.authorization }, tally: true });
        result = { ...accepted, correlation: await awaitCorrelated(gauges, { startedAt, answeredAt: performance.now(), events: accepted.alerts, appendedBefore }) };
      } else if (phase === 'latency') {
        const rate = Number(value('--rate') ?? 5_000);
        const seconds = Number(value('--seconds') ?? 10);
        const stream = new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 1 }, `lat-${run}`);
        const bodies = stream.take(rate * seconds).map((alert) => toWebhook([alert]));
        const appendedBefore = (await gauges.read())?.appended;
        const loop = await openLoop('corral latency', `${corral.baseUrl}/v1/ingest/alertmanager`, bodies, rate, { authorization: corral.authorization }, { warmUrl: `${corral.baseUrl}/health/live` });
        result = { ...loop.result, correlation: await awaitCorrelated(gauges, { startedAt: loop.startedAt, answeredAt: loop.answeredAt, events: loop.result.statuses['202'] ?? 0, appendedBefore }) };
      } else if (phase === 'latency-jetstream') {
        const rate = Number(value('--rate') ?? 5_000);
        const seconds = Number(value('--seconds') ?? 10);
        result = await openLoopJetStream(corral.namespace, gauges, new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 3 }, `jlat-${run}`), rate, seconds);
      } else {
        const seconds = Number(value('--seconds') ?? 20);
        result = await driveJetStream(corral.namespace, gauges, new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 2 }, `js-${run}`), seconds, 10_000);
      }
      progress(`peak RSS ${Math.round(memoryOf(corral.pid).peak / 2 ** 20)} MiB`);
      // Everything the phase made PostgreSQL write (intake and correlation), per event correlated.
      const walAfter = await walWritten();
      const committed = (await committedEvents(corral)) - committedBefore;
      if (argv.includes('--wal-by-relation')) {
        for (const share of await walByRelation(db.url, walBefore.lsn, walAfter.lsn)) {
          const perEvent = (bytes: number) => (committed > 0 ? Math.round(bytes / committed) : 0);
          progress(`WAL ${share.relation}: ${perEvent(share.bytes)} B/event (full-page images ${perEvent(share.fullPageBytes)}), ${share.records} records`);
        }
      }
      result = {
        ...(result as object),
        wal: { bytes: walAfter.bytes - walBefore.bytes, fullPageImages: walAfter.fullPages - walBefore.fullPages, eventsCorrelated: committed, bytesPerEvent: committed > 0 ? Math.round((walAfter.bytes - walBefore.bytes) / committed) : null },
      };
      // The batch histograms say where the time went: small batches or slow commits.
      const metrics = await (await fetch(`${corral.baseUrl}/metrics`, { headers: { authorization: corral.authorization } })).text();
      for (const line of metrics.split('\n')) if (/^corral_batch_(size|commit_seconds)_(sum|count|bucket)|^nodejs_eventloop_lag_(p99|max)_seconds|^nodejs_gc_duration_seconds_sum|^process_cpu_seconds_total/.test(line)) progress(line);
    } finally {
      sampler?.stop();
      await corral.stop();
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    if (argv.includes('--keep-db')) progress(`database kept: ${db.url} (drop it when done)`);
    else await db.drop();
  }
}

/** Events the correlator has committed so far (corral_batch_size_sum). */
async function committedEvents(corral: { baseUrl: string; authorization: string }): Promise<number> {
  const text = await (await fetch(`${corral.baseUrl}/metrics`, { headers: { authorization: corral.authorization } })).text();
  return text.split('\n').reduce((total, line) => (/^corral_batch_size_sum/.test(line) ? total + Number(line.split(' ').at(-1)) : total), 0);
}

/** Sums of the metrics a window's line is made of, read from corral's /metrics and Postgres' /proc entries. */
interface Reading {
  events: number;
  batches: number;
  commitSeconds: number;
  gcSeconds: number;
  corralCpu: number;
  postgresCpu: number;
}

function sampleWindows(corral: { baseUrl: string; authorization: string }, seconds: number): { stop: () => void } {
  const sum = (text: string, name: RegExp) => text.split('\n').reduce((total, line) => (name.test(line) ? total + Number(line.split(' ').at(-1)) : total), 0);
  const read = async (): Promise<Reading> => {
    const text = await (await fetch(`${corral.baseUrl}/metrics`, { headers: { authorization: corral.authorization } })).text();
    return {
      events: sum(text, /^corral_batch_size_sum/),
      batches: sum(text, /^corral_batch_commit_seconds_count/),
      commitSeconds: sum(text, /^corral_batch_commit_seconds_sum/),
      gcSeconds: sum(text, /^nodejs_gc_duration_seconds_sum/),
      corralCpu: sum(text, /^process_cpu_seconds_total/),
      postgresCpu: postgresCpuSeconds(),
    };
  };
  let last: Promise<Reading> = read();
  const timer = setInterval(() => {
    const before = last;
    last = read();
    void Promise.all([before, last])
      .then(([a, b]) => {
        const events = b.events - a.events;
        const perEvent = (s: number) => (events > 0 ? `${((1e6 * s) / events).toFixed(0)} µs` : '-');
        progress(
          `window: ${Math.round(events / seconds)} events/s in ${b.batches - a.batches} batches, commit mean ${((1000 * (b.commitSeconds - a.commitSeconds)) / Math.max(1, b.batches - a.batches)).toFixed(1)} ms, ` +
            `corral CPU ${perEvent(b.corralCpu - a.corralCpu)}/event (GC ${perEvent(b.gcSeconds - a.gcSeconds)}), Postgres CPU ${perEvent(b.postgresCpu - a.postgresCpu)}/event`,
        );
      })
      .catch((error: unknown) => progress(`window not sampled: ${String(error)}`));
  }, seconds * 1000);
  return { stop: () => clearInterval(timer) };
}

/** CPU seconds of every process named postgres (this machine's server, all its backends). */
function postgresCpuSeconds(): number {
  const tick = 100; // USER_HZ on Linux
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:phase failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

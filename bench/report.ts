import type { JetStreamLatency, JetStreamResult } from './jetstream-load.js';
import type { Latency, Throughput } from './http-load.js';
import type { FloorResult } from './postgres-floor.js';
import type { Mix, WorkloadShape } from './workload.js';
import { CORRAL_NODE_FLAGS } from './services.js';

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  postgres: string;
  nats: string;
  alertmanager: string;
  /** `git describe --always --dirty` of the tree that was built and measured. */
  revision: string;
}

export interface ActorMemory {
  actors: number;
  heapBytesPerActor: number;
  rssBytesPerActor: number;
  rssBytes: number;
  heapUsedBytes: number;
  ingestSeconds: number;
  hydrationP50Ms: number;
  hydrationP99Ms: number;
  hydrationMaxMs: number;
}

export interface BenchResult {
  quick: boolean;
  command: string;
  date: string;
  machine: Machine;
  shape: WorkloadShape;
  batchSize: number;
  concurrency: number;
  httpMix: Mix;
  /** Alertmanager's cheapest configuration (no grouping): the ratio the target is judged by. */
  alertmanager: Throughput & { peakRssBytes: number; active: number };
  /** Alertmanager grouping per alert (`group_by: ['...']`), as in front of a receiver that groups. */
  alertmanagerPerAlert: Throughput & { peakRssBytes: number; active: number };
  corralHttp: Throughput & { children: number; repeats: number };
  ratio: number;
  ratioPerAlert: number;
  /** PostgreSQL alone appending each alert as one row: what durability by itself costs here. */
  floor: FloorResult;
  latency: Latency;
  latencyJetStream: JetStreamLatency;
  jetstream: JetStreamResult;
  corralPeakRssBytes: number;
  corralExitCodes: Array<number | null>;
  actors: ActorMemory;
}

export interface Verdict {
  target: string;
  measured: string;
  met: boolean | undefined;
}

const MiB = 1024 * 1024;
const n = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'unanswered');
/** A latency that may be beyond the grace time (a timeout). */
const ms = (x: number, grace: number) => (Number.isFinite(x) ? `${n(x, 1)} ms` : `> ${n(grace)} s (timeout)`);

export function verdicts(r: BenchResult): Verdict[] {
  const fullSize = !r.quick;
  return [
    { target: 'HTTP ingest ≥ 1.0× Alertmanager (same workload, same run)', measured: `${n(r.ratio, 2)}×`, met: r.ratio >= 1.0 },
    {
      target: "the same against Alertmanager grouping per alert (`group_by: ['...']`, its setting in front of corral)",
      measured: `${n(r.ratioPerAlert, 2)}×`,
      met: r.ratioPerAlert >= 1.0,
    },
    {
      target: 'JetStream ≥ 20,000 events/s sustained for 60 s, acked after commit',
      measured: `${n(r.jetstream.sustainedPerSecond)}/s over ${r.jetstream.windowSeconds} s`,
      met: r.jetstream.windowSeconds >= 60 ? r.jetstream.sustainedPerSecond >= 20_000 : undefined,
    },
    latencyVerdict('over JetStream, one event per message', r.latencyJetStream),
    latencyVerdict('over HTTP, one alert per request', r.latency),
    { target: '100,000 live actors in ≤ 1 GiB RSS', measured: `${n(r.actors.rssBytes / MiB)} MiB RSS with ${n(r.actors.actors)} live`, met: fullSize && r.actors.actors >= 100_000 ? r.actors.rssBytes <= 1024 * MiB : undefined },
    { target: 'hydrating a passivated actor p99 ≤ 5 ms', measured: `p99 ${n(r.actors.hydrationP99Ms, 2)} ms`, met: r.actors.hydrationP99Ms <= 5 },
  ];
}

function latencyVerdict(transport: string, l: Latency): Verdict {
  return {
    target: `p99 event→committed ≤ 100 ms at 5,000 events/s (${transport})`,
    measured: `p99 ${ms(l.p99Ms, l.graceSeconds)} at ${n(l.offeredPerSecond)}/s offered`,
    met: l.offeredPerSecond >= 5000 ? l.p99Ms <= 100 && l.failures === 0 && l.timeouts === 0 : undefined,
  };
}

const mark = (met: boolean | undefined) => (met === undefined ? 'not judged (quick run)' : met ? '**met**' : '**not met**');

export function renderMarkdown(r: BenchResult): string {
  const m = r.machine;
  return `# Benchmarks

Issue 5's benchmark: corral against a real Prometheus Alertmanager, same workload, same run, on
the machine below. Regenerate with the command shown; \`npm run bench -- --quick\` is a smoke run
that does not write this file.

## Result (${r.date}${r.quick ? ', QUICK run: sizes reduced, not comparable' : ''})

| target (issue 5) | measured | |
|---|---|---|
${verdicts(r)
  .map((v) => `| ${v.target} | ${v.measured} | ${mark(v.met)} |`)
  .join('\n')}

| measurement | value |
|---|---|
| Alertmanager ${m.alertmanager}, POST /api/v2/alerts, no grouping | **${n(r.alertmanager.perSecond)} alerts/s** (${n(r.alertmanager.alerts)} alerts in ${n(r.alertmanager.seconds, 2)} s) |
| Alertmanager ${m.alertmanager}, POST /api/v2/alerts, \`group_by: ['...']\` | **${n(r.alertmanagerPerAlert.perSecond)} alerts/s** (${n(r.alertmanagerPerAlert.alerts)} alerts in ${n(r.alertmanagerPerAlert.seconds, 2)} s; ${n(r.alertmanagerPerAlert.active)} active alerts listed after) |
| corral, POST /v1/ingest/alertmanager (durable before 202) | **${n(r.corralHttp.perSecond)} alerts/s** (${n(r.corralHttp.alerts)} alerts in ${n(r.corralHttp.seconds, 2)} s, ${r.corralHttp.retries} 429/503 retries) |
| ratio corral / Alertmanager | **${n(r.ratio, 2)}×** against no grouping, **${n(r.ratioPerAlert, 2)}×** against \`group_by: ['...']\` |
| PostgreSQL alone, each alert appended as one jsonb row (same batches, same requests in flight) | **${n(r.floor.perSecond)} alerts/s** (${n(r.floor.alerts)} alerts in ${n(r.floor.seconds, 2)} s, ${n(r.floor.rows)} rows) |
| corral event→committed at ${n(r.latency.offeredPerSecond)}/s offered (1-alert requests, open loop) | p50 **${ms(r.latency.p50Ms, r.latency.graceSeconds)}**, p99 **${ms(r.latency.p99Ms, r.latency.graceSeconds)}**, max answered ${n(r.latency.maxMs, 1)} ms; ${n(r.latency.requests)} requests sent in ${n(r.latency.sendSeconds, 1)} s, ${n(r.latency.achievedPerSecond)}/s committed, ${r.latency.failures} failed, ${n(r.latency.timeouts)} unanswered ${n(r.latency.graceSeconds)} s after the last was sent |
| corral event→committed at ${n(r.latencyJetStream.offeredPerSecond)}/s offered over JetStream (one event per message, open loop, ${n(r.latencyJetStream.requests / r.latencyJetStream.offeredPerSecond)} s) | p50 **${ms(r.latencyJetStream.p50Ms, r.latencyJetStream.graceSeconds)}**, p99 **${ms(r.latencyJetStream.p99Ms, r.latencyJetStream.graceSeconds)}** (after the first ${r.latencyJetStream.warmupSeconds} s: ${ms(r.latencyJetStream.p99AfterWarmupMs, r.latencyJetStream.graceSeconds)}), max ${n(r.latencyJetStream.maxMs, 1)} ms; p99 of each second: ${r.latencyJetStream.p99PerSecondMs.map((x) => n(x)).join(' ')} ms; ${n(r.latencyJetStream.achievedPerSecond)}/s acked, ${r.latencyJetStream.failures} publishes failed, ${n(r.latencyJetStream.timeouts)} unacked ${n(r.latencyJetStream.graceSeconds)} s after the last was sent |
| corral JetStream, ${r.jetstream.windowSeconds} s window | **${n(r.jetstream.sustainedPerSecond)} events/s** acked after commit (slowest second ${n(r.jetstream.minSecond)}, fastest ${n(r.jetstream.maxSecond)}); ${n(r.jetstream.published)} published, backlog ${r.jetstream.drained ? 'drained' : '**not** drained'} ${n(r.jetstream.drainSeconds, 1)} s after the window; ${r.jetstream.redelivered} redelivered |
| corral peak RSS (highest of the HTTP, latency and JetStream phases) | **${n(r.corralPeakRssBytes / MiB)} MiB** (exit codes after SIGTERM: ${r.corralExitCodes.join(', ')}) |
| Alertmanager peak RSS | ${n(r.alertmanager.peakRssBytes / MiB)} MiB (no grouping), ${n(r.alertmanagerPerAlert.peakRssBytes / MiB)} MiB (\`group_by: ['...']\`) |
| memory per live actor (${n(r.actors.actors)} live) | **${n(r.actors.heapBytesPerActor)} B heap**, ${n(r.actors.rssBytesPerActor)} B RSS; process RSS ${n(r.actors.rssBytes / MiB)} MiB, heap ${n(r.actors.heapUsedBytes / MiB)} MiB |
| hydrating a passivated actor (one at a time) | p50 **${n(r.actors.hydrationP50Ms, 2)} ms**, p99 **${n(r.actors.hydrationP99Ms, 2)} ms**, max ${n(r.actors.hydrationMaxMs, 2)} ms |

Command: \`${r.command}\`

## Machine

| | |
|---|---|
| CPU | ${m.cpus} × ${m.cpuModel} |
| memory | ${n(m.memoryGiB, 1)} GiB |
| kernel | ${m.kernel} |
| Node.js | ${m.node} |
| PostgreSQL | ${m.postgres} (127.0.0.1:5432, same machine) |
| NATS | nats-server ${m.nats} with JetStream (127.0.0.1:4222) |
| Alertmanager | prometheus-alertmanager ${m.alertmanager} (Debian package) |
| corral revision | ${m.revision} |

Everything runs on this one machine: the load generator, corral, PostgreSQL, NATS and Alertmanager
share its ${m.cpus} cores. Alertmanager and corral are measured one after the other, never at once.

## Workload

- ${n(r.shape.signatures)} signatures drawn from a Zipf distribution (exponent ${r.shape.zipfExponent}; this run's HTTP
  phase hit ${n(r.httpMix.signaturesHit)} of them); ${r.shape.repeatShare * 100}% of alerts are resends of an alert still
  firing, ${r.shape.resolveShare * 100}% resolve one (endsAt in the past), the rest are new alerts (a new \`instance\` label).
  HTTP phase: ${n(r.httpMix.fresh)} new, ${n(r.httpMix.repeats)} repeats, ${n(r.httpMix.resolves)} resolves.
- The alerts are generated once, deterministically (seed ${r.shape.seed}), and serialized before the clock starts.
- HTTP: batches of ${r.batchSize} alerts, ${r.concurrency} requests in flight (closed loop), keep-alive.
  Alertmanager gets them as API v2 \`postableAlerts\` on \`POST /api/v2/alerts\` (answer 200), once in each of
  two configurations of its route (a \`null\` receiver either way): no \`group_by\`, its cheapest, where
  every alert joins one aggregation group; and \`group_by: ['...']\`, one group per alert, which its
  documentation gives for a receiver that does its own grouping, as corral does. Issue 5's figure for
  Alertmanager on this kind of machine (20,000–29,000 alerts/s) is the rate of the second. The
  target's verdict is taken against the first, the stricter of the two. corral gets
  the same alerts as the Alertmanager webhook v4 payload Alertmanager would send it, on
  \`POST /v1/ingest/alertmanager\` (answer 202 only after the batch's transaction has committed).
  After the phase, Alertmanager lists ${n(r.alertmanager.active)} active alerts (new minus resolved is ${n(r.httpMix.fresh - r.httpMix.resolves)}; with 4
  requests in flight a few resends land after their resolve, and Alertmanager takes those as firing again);
  corral's \`incident_child\` table holds ${n(r.corralHttp.children)} children (one per new alert: ${n(r.httpMix.fresh)}) with ${n(r.corralHttp.repeats)} repeats
  (${n(r.httpMix.repeats)} resends; the ${n(r.corralHttp.repeats - r.httpMix.repeats)} more are first firings overtaken by their own resolve in a
  concurrent request, which corral counts as repeats so that they cannot undo the newer resolve).
- JetStream: canonical events (the same generator) published to \`<ns>.corral.in.canonical\` as fast as
  corral takes them, but never more than 10,000 ahead of what corral has acked (core NATS publishes
  on one connection, flushed every 500; that the stream stored every one is checked at the end);
  corral consumes them through its durable pull consumer and acks each after its batch commits.

## What exactly is measured

- **alerts/s (HTTP)**: alerts in the batches divided by the wall time from the first request to the
  last answer; only 2xx answers count (a 429/503 is retried after its Retry-After, capped at 1 s).
  Alertmanager keeps alerts only in memory (and a snapshot file every 15 min); corral's 202 means
  the journal rows, snapshots and read models are committed in PostgreSQL.
- **PostgreSQL alone**: the least a durable reply could cost. The HTTP phase's webhook bodies, the
  same batches and ${r.concurrency} requests in flight, each batch one transaction that appends its alerts to a table
  with a primary key and nothing else (\`jsonb_array_elements\`, PostgreSQL's settings as corral gets
  them). No HTTP, no correlation, journal or read models. Where this rate is far above corral's,
  the disk and PostgreSQL's commits are not what corral's rate waits for.
- **event→committed latency**: HTTP request latency of 1-alert webhook requests sent open loop at a
  fixed rate: request *i* is due at start + *i*/rate, and its latency runs from that due time to
  the arrival of its 202 (which corral sends after COMMIT). Client-side queueing therefore counts
  against corral, as it would for a real sender (no coordinated omission). It includes HTTP,
  the API-key check, validation, the privacy filter, the batch wait (\`BATCH_MAX_DELAY_MS\`) and the commit.
- **event→committed latency over JetStream**: one canonical event per message, published open loop
  at a fixed rate (message *i* due at start + *i*/rate, each publish confirmed by JetStream), timed
  from its due time to corral's ack of that message. corral acks only after the batch holding it
  committed; the load generator reads the acks off the wire with a plain subscription to the
  consumer's ack subjects (\`$JS.ACK.<stream>.<consumer>.>\`), which name the stream sequence each ack
  settles. Every actor is new at the start (cold caches, one incident opened per new signature), so
  the first seconds are the slowest; the p99 after the first few seconds is shown beside the whole run's.
- **JetStream sustained rate**: messages acked by corral during the window, read from the consumer
  (delivered stream sequence minus messages awaiting ack) once a second, divided by the window.
- **peak RSS**: \`VmHWM\` of the corral process from \`/proc/<pid>/status\`, read before it is stopped.
- **memory per live actor**: in a separate process (\`node --expose-gc dist/bench/actor-memory.js\`)
  running corral's runtime in-process on a fresh database, with \`MAX_LIVE_ACTORS\` above the count:
  \`process.memoryUsage()\` after two forced GCs, before and after committing one new-incident event
  for each of ${n(r.actors.actors)} distinct signatures (500 per batch), divided by the count. It includes each
  incident's entry in the cross-incident routing index, which lives as long as the incident is active.
- **hydration**: ${'the same process evicts a spread-out sample of actors from the registry, then times `registry.get` for each, one at a time (a snapshot read from PostgreSQL and its decoding). Untimed before it: 50 other actors hydrated (the path compiled) and a 1 s pause after the forced collections of the memory figure (V8 sweeps the old space after them, and allocations meanwhile wait for it).'}

corral runs as it ships, \`node ${CORRAL_NODE_FLAGS.join(' ')} dist/src/main.js\` (the memory figure's process too), with defaults (\`BATCH_MAX_SIZE\` 500, \`BATCH_MAX_DELAY_MS\` 5) except
\`LOG_LEVEL=warn\` (access logs at \`info\` would be measured as well).
`;
}

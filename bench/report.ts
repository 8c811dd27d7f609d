import type { JetStreamLatency, JetStreamResult, RawJetStreamResult } from './jetstream-load.js';
import type { Latency, OpenLoopResult, Throughput } from './http-load.js';
import type { Correlation } from './inbox.js';
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

/** One round of the HTTP phase: the same alerts into Alertmanager, then into corral. */
export interface Round {
  round: number;
  mix: Mix;
  alertmanager: Throughput;
  /** Until the last 202: accepted (durable in the inbox, on a build with one). */
  corral: Throughput;
  correlation: Correlation;
  /** corral accepted / Alertmanager. */
  ratio: number;
}

export interface RoundsSummary {
  alerts: number;
  /** All rounds' alerts over all rounds' time, for each. */
  alertmanagerPerSecond: number;
  acceptedPerSecond: number;
  /** Undefined on a build without inbox gauges (202 after correlation: the accepted rate is it). */
  correlatedPerSecond: number | undefined;
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  /** Last round's accepted rate / first round's: issue 23 wants ≥ 0.85. */
  lastVsFirst: number;
  correlatedLastVsFirst: number | undefined;
  mix: Mix;
  duplicates: number;
}

export interface BenchResult {
  quick: boolean;
  command: string;
  date: string;
  machine: Machine;
  shape: WorkloadShape;
  batchSize: number;
  concurrency: number;
  rounds: Round[];
  roundsSummary: RoundsSummary;
  /** Alertmanager's listing of active alerts after the last round. */
  alertmanagerActive: number;
  alertmanagerPeakRssBytes: number;
  /** corral's `incident_child` after the last round had been correlated. */
  corralKept: { children: number; repeats: number };
  /** Reference: Alertmanager grouping per alert (`group_by: ['...']`) on round 1's alerts, fresh. */
  alertmanagerPerAlert: Throughput & { peakRssBytes: number; active: number };
  /** Round 1's corral accepted rate against it. */
  ratioPerAlert: number;
  /** PostgreSQL alone appending round 1's alerts, one row each: what durability by itself costs here. */
  floor: FloorResult;
  latency: OpenLoopResult & { correlation: Correlation };
  latencyJetStream: JetStreamLatency;
  jetstream: JetStreamResult;
  /** The same NATS without corral, in the same run: publish, consume and ack (issue 24's reference). */
  rawJetStream?: RawJetStreamResult;
  /** WAL PostgreSQL wrote during the JetStream window, per event correlated (issue 24). */
  jetstreamWal?: { bytesPerEvent: number; fullPageImages: number; eventsCorrelated: number };
  corralPeakRssBytes: number;
  corralExitCodes: Array<number | null>;
  actors: ActorMemory;
}

export function summarize(rounds: Round[]): RoundsSummary {
  const total = (pick: (r: Round) => number) => rounds.reduce((sum, r) => sum + pick(r), 0);
  const alerts = total((r) => r.corral.alerts);
  const measured = rounds.every((r) => r.correlation.measured);
  const ratios = rounds.map((r) => r.ratio);
  const first = rounds[0];
  const last = rounds[rounds.length - 1];
  return {
    alerts,
    alertmanagerPerSecond: total((r) => r.alertmanager.alerts) / total((r) => r.alertmanager.seconds),
    acceptedPerSecond: alerts / total((r) => r.corral.seconds),
    correlatedPerSecond: measured ? alerts / total((r) => r.correlation.seconds) : undefined,
    ratio: alerts / total((r) => r.corral.seconds) / (total((r) => r.alertmanager.alerts) / total((r) => r.alertmanager.seconds)),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    lastVsFirst: first && last ? last.corral.perSecond / first.corral.perSecond : Number.NaN,
    correlatedLastVsFirst: measured && first && last ? last.correlation.perSecond / first.correlation.perSecond : undefined,
    mix: {
      fresh: total((r) => r.mix.fresh),
      repeats: total((r) => r.mix.repeats),
      resolves: total((r) => r.mix.resolves),
      // Rounds draw from the same ranks: the most any one round hit is the honest figure.
      signaturesHit: Math.max(...rounds.map((r) => r.mix.signaturesHit)),
    },
    duplicates: total((r) => r.corral.answers?.duplicates ?? 0),
  };
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
const pct = (x: number) => `${x >= 1 ? '+' : '−'}${n(Math.abs(x - 1) * 100, 1)}%`;
/** A correlated rate, or why there is none. */
const correlated = (c: Correlation, perSecond = c.perSecond) => (c.measured ? `${n(perSecond)}${c.caughtUp ? '' : ' (**not caught up**)'}` : 'n/a');
const caughtUp = (c: Correlation) => (c.measured ? `${n(c.afterLastAnswerSeconds, 2)} s${c.caughtUp ? '' : ' (**not caught up**)'}` : 'n/a');

export function verdicts(r: BenchResult): Verdict[] {
  const fullSize = !r.quick;
  const s = r.roundsSummary;
  const firstRound = r.rounds[0];
  const lastRound = r.rounds[r.rounds.length - 1];
  const l = r.latency;
  const accepted202 = l.statuses['202'] ?? 0;
  return [
    {
      target: `HTTP (batches of ${r.batchSize}): corral accepted ≥ 1.0× Alertmanager, same alerts, rounds interleaved`,
      measured: `${n(s.ratio, 2)}× over ${r.rounds.length} rounds (${n(s.acceptedPerSecond)} against ${n(s.alertmanagerPerSecond)} alerts/s; per round ${n(s.ratioMin, 2)}–${n(s.ratioMax, 2)}×)`,
      met: s.ratio >= 1.0,
    },
    {
      target: 'cost does not grow with history: last round accepted within 15% of the first (five rounds of 100,000, one database)',
      measured: `round ${lastRound?.round ?? '?'} ${n(lastRound?.corral.perSecond ?? Number.NaN)}/s against round 1 ${n(firstRound?.corral.perSecond ?? Number.NaN)}/s (${pct(s.lastVsFirst)})`,
      met: fullSize && r.rounds.length >= 5 ? s.lastVsFirst >= 0.85 : undefined,
    },
    {
      target: 'one alert per request at 5,000/s offered for 10 s (open loop): every request 202, p99 ≤ 100 ms',
      measured: `${n(accepted202)} of ${n(l.requests)} answered 202, p99 ${ms(l.p99Ms, l.graceSeconds)} at ${n(l.offeredPerSecond)}/s offered`,
      met: l.offeredPerSecond >= 5000 ? accepted202 === l.requests && l.p99Ms <= 100 : undefined,
    },
    {
      target: 'correlation keeps up: correlated events/s beside accepted',
      measured: s.correlatedPerSecond === undefined
        ? 'n/a: this build answers 202 after correlation (no inbox gauges), so correlated = accepted'
        : `HTTP rounds ${n(s.correlatedPerSecond)}/s (round 1 ${correlated(firstRound?.correlation)}, last ${correlated(lastRound?.correlation)}); JetStream ${r.jetstream.correlatedPerSecond === undefined ? 'n/a' : n(r.jetstream.correlatedPerSecond)}/s in its window`,
      met: undefined,
    },
    {
      target: `JetStream ≥ 20,000 events/s acked, sustained (issue 5: for 60 s; this run's window ${r.jetstream.windowSeconds} s)`,
      measured: `${n(r.jetstream.sustainedPerSecond)}/s acked over ${r.jetstream.windowSeconds} s`,
      met: fullSize ? r.jetstream.sustainedPerSecond >= 20_000 : undefined,
    },
    {
      target: 'p99 event→acked ≤ 100 ms at 5,000 events/s over JetStream, one event per message (issue 5)',
      measured: `p99 ${ms(r.latencyJetStream.p99Ms, r.latencyJetStream.graceSeconds)} at ${n(r.latencyJetStream.offeredPerSecond)}/s offered`,
      met: r.latencyJetStream.offeredPerSecond >= 5000 ? r.latencyJetStream.p99Ms <= 100 && r.latencyJetStream.timeouts === 0 : undefined,
    },
    {
      target: 'JetStream: ≥ 20,000 events/s correlated, and ≥ 0.5× the raw publish + consume + ack rate of the same NATS in the same run (issue 24)',
      measured: `${correlated(r.jetstream.correlation)} correlated (until caught up); raw JetStream ${r.rawJetStream ? `${n(r.rawJetStream.perSecond)}/s, ratio ${n(r.jetstream.correlation.perSecond / r.rawJetStream.perSecond, 2)}×` : 'not measured'}`,
      met: fullSize && r.rawJetStream && r.jetstream.correlation.measured ? r.jetstream.correlation.perSecond >= 20_000 && r.jetstream.correlation.perSecond >= 0.5 * r.rawJetStream.perSecond : undefined,
    },
    {
      target: "HTTP: correlated alerts/s ≥ 0.35× Alertmanager's accepted rate, same run (issue 24)",
      measured: s.correlatedPerSecond === undefined ? 'n/a' : `${n(s.correlatedPerSecond / s.alertmanagerPerSecond, 2)}× (${n(s.correlatedPerSecond)} correlated against ${n(s.alertmanagerPerSecond)} alerts/s)`,
      met: fullSize && s.correlatedPerSecond !== undefined ? s.correlatedPerSecond >= 0.35 * s.alertmanagerPerSecond : undefined,
    },
    {
      target: 'accept → correlated ≤ 1 s at 5,000 events/s offered (issue 24; bounded by how long after the last answer correlation had caught up)',
      measured: `HTTP, one alert per request: ${caughtUp(l.correlation)}; JetStream, one event per message: ${caughtUp(r.latencyJetStream.correlation)}`,
      met: l.offeredPerSecond >= 5000 && l.correlation.measured ? l.correlation.caughtUp && l.correlation.afterLastAnswerSeconds <= 1 && r.latencyJetStream.correlation.caughtUp && r.latencyJetStream.correlation.afterLastAnswerSeconds <= 1 : undefined,
    },
    {
      target: `PostgreSQL WAL per event correlated at most half of ${n(WAL_BASELINE_BYTES)} bytes (npm run bench at revision decf91b, the session before: same window, a checkpoint before it; issue 24)`,
      measured: r.jetstreamWal ? `${n(r.jetstreamWal.bytesPerEvent)} bytes per event over ${n(r.jetstreamWal.eventsCorrelated)} events (${n(r.jetstreamWal.bytesPerEvent / WAL_BASELINE_BYTES, 2)}× the baseline; ${n(r.jetstreamWal.fullPageImages)} full-page images)` : 'not measured',
      met: r.jetstreamWal ? r.jetstreamWal.bytesPerEvent <= WAL_BASELINE_BYTES / 2 : undefined,
    },
    { target: '100,000 live actors in ≤ 1 GiB RSS (issue 5)', measured: `${n(r.actors.rssBytes / MiB)} MiB RSS with ${n(r.actors.actors)} live`, met: fullSize && r.actors.actors >= 100_000 ? r.actors.rssBytes <= 1024 * MiB : undefined },
    { target: 'hydrating a passivated actor p99 ≤ 5 ms (issue 5)', measured: `p99 ${n(r.actors.hydrationP99Ms, 2)} ms`, met: r.actors.hydrationP99Ms <= 5 },
  ];
}

/** WAL per event in the JetStream window at decf91b, before this session's work on it, measured by this same code (BENCHMARKS.md notes, sixteenth session). */
const WAL_BASELINE_BYTES = 3103;

const mark = (met: boolean | undefined) => (met === undefined ? 'not judged' : met ? '**met**' : '**not met**');

function roundsTable(r: BenchResult): string {
  const s = r.roundsSummary;
  const rows = r.rounds.map(
    (x) =>
      `| ${x.round} | ${n(x.alertmanager.perSecond)} | ${n(x.corral.perSecond)} | ${n(x.ratio, 2)}× | ${correlated(x.correlation)} | ${caughtUp(x.correlation)} | ${n(x.corral.answers?.duplicates ?? 0)} | ${x.corral.retries} |`,
  );
  const total = `| all ${r.rounds.length} | ${n(s.alertmanagerPerSecond)} | ${n(s.acceptedPerSecond)} | ${n(s.ratio, 2)}× | ${s.correlatedPerSecond === undefined ? 'n/a' : n(s.correlatedPerSecond)} | | ${n(s.duplicates)} | ${r.rounds.reduce((sum, x) => sum + x.corral.retries, 0)} |`;
  return `| round | Alertmanager alerts/s | corral accepted alerts/s | ratio accepted / Alertmanager | corral correlated alerts/s | correlation caught up after the last 202 | duplicates in the answers | 429/503 retries |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
${total}`;
}

function latencyTable(r: BenchResult): string {
  const l = r.latency;
  const j = r.latencyJetStream;
  const others = Object.entries(l.statuses).filter(([status]) => status !== '202');
  const statusNote = others.length === 0 ? 'none' : others.map(([status, count]) => `${n(count)} × ${status}`).join(', ');
  const row = (what: string, x: Latency, answered: string, other: string, c: Correlation) =>
    `| ${what} | ${n(x.offeredPerSecond)}/s for ${n(x.requests / x.offeredPerSecond)} s | ${answered} | ${other} | ${ms(x.p50Ms, x.graceSeconds)} | ${ms(x.p90Ms, x.graceSeconds)} | ${ms(x.p99Ms, x.graceSeconds)} | ${ms(x.p999Ms, x.graceSeconds)} | ${n(x.maxMs, 1)} ms | ${caughtUp(c)} |`;
  return `| transport | offered | answered 202 / acked | other answers, errors, unanswered | p50 | p90 | p99 | p99.9 | max | correlation caught up after the last answer |
|---|---|---|---|---|---|---|---|---|---|
${row('HTTP, one alert per request (POST /v1/ingest/alertmanager)', l, n(l.statuses['202'] ?? 0), `${statusNote}; ${n(l.errors)} errors${l.errors > 0 ? ` (${Object.entries(l.errorCodes).map(([code, count]) => `${n(count)} × ${code}`).join(', ')})` : ''}; ${n(l.timeouts)} unanswered`, l.correlation)}
${row('JetStream, one event per message', j, n(j.requests - j.timeouts), `${n(j.timeouts)} unacked`, j.correlation)}`;
}

function clientNote(l: OpenLoopResult): string {
  const c = l.client;
  const facts = `its event-loop delay p99 ${n(c.eventLoopDelayP99Ms, 1)} ms (max ${n(c.eventLoopDelayMaxMs, 1)} ms), requests sent p99 ${n(c.sendLagP99Ms, 1)} ms after their scheduled time (max ${n(c.sendLagMaxMs, 1)} ms), at most ${n(c.socketsMax)} of ${n(c.maxSockets)} sockets open and ${n(c.queuedForSocketMax)} requests at most waiting for one`;
  return c.lagged
    ? `**The load generator lagged** in the HTTP latency phase: ${facts}. Latency still runs from each request's scheduled time, so its own lateness is counted against corral here.`
    : `The load generator kept its schedule in the HTTP latency phase: ${facts}.`;
}

function jetstreamTable(r: BenchResult): string {
  const j = r.jetstream;
  const lj = r.latencyJetStream;
  return `| phase | acked (accepted) events/s | correlated events/s | slowest / fastest second acked | slowest / fastest second correlated | drained | correlation caught up after the last ack |
|---|---|---|---|---|---|---|
| ${j.windowSeconds} s window, as fast as corral takes them (a capped backlog) | **${n(j.sustainedPerSecond)}** | **${j.correlatedPerSecond === undefined ? 'n/a' : n(j.correlatedPerSecond)}** (until caught up: ${correlated(j.correlation)}) | ${n(j.minSecond)} / ${n(j.maxSecond)} | ${j.correlatedMinSecond === undefined ? 'n/a' : `${n(j.correlatedMinSecond)} / ${n(j.correlatedMaxSecond ?? Number.NaN)}`} | ${j.drained ? 'yes' : '**no**'}, ${n(j.drainSeconds, 1)} s after the window; ${j.redelivered} redelivered | ${caughtUp(j.correlation)} |
| open loop at ${n(lj.offeredPerSecond)}/s for ${n(lj.requests / lj.offeredPerSecond)} s | ${n(lj.achievedPerSecond)} | ${correlated(lj.correlation)} | | | | ${caughtUp(lj.correlation)} |${
    r.rawJetStream ? `\n| reference: the same NATS without corral, ${r.rawJetStream.windowSeconds} s (publish, consume in pulls of 1,000, ack) | ${n(r.rawJetStream.perSecond)} | | | | | |` : ''
  }${r.jetstreamWal ? `\n\nPostgreSQL wrote **${n(r.jetstreamWal.bytesPerEvent)} bytes of WAL per event** in the ${j.windowSeconds} s window (${n(r.jetstreamWal.fullPageImages)} full-page images; \`npm run bench:phase -- jetstream --wal-by-relation\` breaks it down by table and index).` : ''}`;
}

export function renderMarkdown(r: BenchResult): string {
  const m = r.machine;
  const s = r.roundsSummary;
  const noGauges = r.rounds.some((x) => !x.correlation.measured);
  return `# Benchmarks

Issue 23's benchmark (and what is left of issue 5's): corral against a real Prometheus Alertmanager,
same alerts, same run, on the machine below. Regenerate with the command shown; \`npm run bench -- --quick\`
is a smoke run that does not write this file.

## Result (${r.date}${r.quick ? ', QUICK run: sizes reduced, not comparable' : ''})

| target | measured | |
|---|---|---|
${verdicts(r)
  .map((v) => `| ${v.target} | ${v.measured} | ${mark(v.met)} |`)
  .join('\n')}
${noGauges ? '\nThe build measured has no inbox gauges: it answers 202 after correlating, so "correlated" is the accepted figure (n/a below).\n' : ''}
## HTTP: ${r.rounds.length} rounds of ${n(r.rounds[0]?.corral.alerts ?? 0)} alerts into one database

Batches of ${r.batchSize} alerts, ${r.concurrency} requests in flight. Each round posts its alerts to Alertmanager, then
the same alerts to corral, then waits until corral's correlation has caught up. Neither is reset
between rounds. Last round's accepted rate against the first: **${pct(s.lastVsFirst)}**${s.correlatedLastVsFirst === undefined ? '' : `; correlated: ${pct(s.correlatedLastVsFirst)}`}.

${roundsTable(r)}

## Latency: one event per request or message, open loop

${latencyTable(r)}

${clientNote(r.latency)}

## JetStream

${jetstreamTable(r)}

## Other measurements

| measurement | value |
|---|---|
| Alertmanager ${m.alertmanager}, \`group_by: ['...']\` (one group per alert), round 1's alerts, fresh | **${n(r.alertmanagerPerAlert.perSecond)} alerts/s**; corral's round 1 is **${n(r.ratioPerAlert, 2)}×** that; ${n(r.alertmanagerPerAlert.active)} active alerts listed after |
| PostgreSQL alone, round 1's alerts appended as one jsonb row each (same batches, same requests in flight) | **${n(r.floor.perSecond)} alerts/s** (${n(r.floor.alerts)} alerts in ${n(r.floor.seconds, 2)} s, ${n(r.floor.rows)} rows) |
| kept after the rounds | Alertmanager lists ${n(r.alertmanagerActive)} active alerts (new minus resolved: ${n(s.mix.fresh - s.mix.resolves)}); corral's \`incident_child\` holds ${n(r.corralKept.children)} children (new alerts: ${n(s.mix.fresh)}) with ${n(r.corralKept.repeats)} repeats, and its answers counted ${n(s.duplicates)} duplicates (resends: ${n(s.mix.repeats)}) |
| corral peak RSS (highest of its phases) | **${n(r.corralPeakRssBytes / MiB)} MiB** (exit codes after SIGTERM: ${r.corralExitCodes.join(', ')}) |
| Alertmanager peak RSS | ${n(r.alertmanagerPeakRssBytes / MiB)} MiB after all rounds (no grouping), ${n(r.alertmanagerPerAlert.peakRssBytes / MiB)} MiB (\`group_by: ['...']\`, one round) |
| memory per live actor (${n(r.actors.actors)} live) | **${n(r.actors.heapBytesPerActor)} B heap**, ${n(r.actors.rssBytesPerActor)} B RSS; process RSS ${n(r.actors.rssBytes / MiB)} MiB, heap ${n(r.actors.heapUsedBytes / MiB)} MiB |
| hydrating a passivated actor (one at a time) | p50 **${n(r.actors.hydrationP50Ms, 2)} ms**, p99 **${n(r.actors.hydrationP99Ms, 2)} ms**, max ${n(r.actors.hydrationMaxMs, 2)} ms |

Command: \`${r.command}\`

## Machine

| | |
|---|---|
| CPU | ${m.cpuModel} |
| cores | ${m.cpus} |
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

- ${n(r.shape.signatures)} signatures drawn from a Zipf distribution (exponent ${r.shape.zipfExponent}; a round hit up to
  ${n(s.mix.signaturesHit)} of them); ${r.shape.repeatShare * 100}% of alerts are resends of an alert still firing, ${r.shape.resolveShare * 100}% resolve one
  (endsAt in the past), the rest are new alerts (a new \`instance\` label). All rounds: ${n(s.mix.fresh)} new,
  ${n(s.mix.repeats)} resends, ${n(s.mix.resolves)} resolves.
- Each round's alerts come from a stream of their own (its own seed, its round in every new alert's
  \`instance\`), so no alert repeats one of an earlier round: nothing a round sends is a duplicate of
  an earlier round's at corral's inbox. The signatures are drawn from the same ranks each round, so
  later rounds land on the incidents earlier ones opened, as a site's alerts do day after day.
  Within a round, a resend is the same alert with the same \`startsAt\`, as Alertmanager resends it.
- A round's alerts are generated and serialized before its clock starts.
- HTTP: batches of ${r.batchSize} alerts, ${r.concurrency} requests in flight (closed loop), keep-alive. Alertmanager gets
  them as API v2 \`postableAlerts\` on \`POST /api/v2/alerts\` (answer 200) with a \`null\` receiver and no
  \`group_by\`, its cheapest route (every alert joins one aggregation group); one Alertmanager takes
  all rounds, as one corral database does. corral gets the same alerts as the Alertmanager webhook v4
  payload Alertmanager would send it, on \`POST /v1/ingest/alertmanager\`.
- JetStream: canonical events (the same generator) published to \`<ns>.corral.in.canonical\`; in the
  window, as fast as corral takes them but never more than a backlog cap (10,000 in a full run) ahead of what it has acked (core NATS
  publishes on one connection, flushed every 500; that the stream stored every one is checked at
  the end); in the open loop, one per message on schedule.

## What exactly is measured

- **accepted alerts/s (HTTP)**: a round's alerts divided by the wall time from its first request
  to its last 202; only 2xx answers count (a 429/503 is retried after its Retry-After, capped at 1 s,
  and counted). corral's 202 means the batch is durable in its inbox (a committed PostgreSQL
  append); on a build without an inbox it means the batch was correlated and committed.
  Alertmanager's 200 means it has the alerts in memory (and a snapshot file every 15 min).
- **correlated alerts/s**: the same alerts divided by the time from the round's first request until
  corral's correlation had caught up with them: after the last 202, corral's \`/metrics\` is read
  for \`corral_inbox_appended_position\`, then polled every 50 ms until
  \`corral_inbox_pending_events\` is 0 and \`corral_inbox_correlated_position\` has reached that
  position. The next round starts only then. A build without these gauges answers 202 after
  correlating; there correlated = accepted and the tables say n/a.
- **duplicates in the answers**: the \`duplicates\` of corral's answers, summed: resends recognized
  at the inbox (on a build without one, resends the correlator recognized as repeats).
- **PostgreSQL alone**: the least a durable reply could cost: round 1's webhook bodies, the same
  batches and ${r.concurrency} requests in flight, each batch one transaction appending its alerts to a table with
  a primary key and nothing else (\`jsonb_array_elements\`, PostgreSQL's settings as corral gets them).
- **latency, HTTP**: 1-alert webhook requests sent open loop: request *i* is due at start + *i*/rate,
  and its latency runs from that due time (not from when it was actually sent) to its 202, so a
  server that stalls shows in every request scheduled meanwhile (no coordinated omission). Up to
  ${n(r.latency.client.maxSockets)} keep-alive connections (node:http Agent); 512 of them are opened before the clock
  starts (a GET of \`/health/live\` each), as a real sender's are, the rest as needed. Any answer other than 202
  and any connection error is counted apart and has no latency; a request unanswered ${n(r.latency.graceSeconds)} s after
  the last was sent is a timeout and sorts last. The load generator watches itself (its event-loop
  delay, how late each request went out, whether a request waited for a socket) and says so above
  when it lagged. The catch-up is timed from the last answer, as for a round.
- **latency, JetStream**: one canonical event per message, published open loop, timed from its
  due time to corral's ack of that message, read off the wire (a plain subscription to the
  consumer's ack subjects \`$JS.ACK.<stream>.<consumer>.>\`, which name the stream sequence each ack
  settles). Every actor is new at the start (cold caches), so the first seconds are the slowest.
- **JetStream acked / correlated events/s**: acked is read from the consumer (delivered stream
  sequence minus messages awaiting ack) once a second, over the window; correlated is the inbox's
  correlated position at the window's end minus at its start (one position per appended event),
  over the same window. After the window: the time until every message was acked, and until
  correlation caught up with all of them. On a build that acks after correlating, the two are one.
- **peak RSS**: \`VmHWM\` of the process from \`/proc/<pid>/status\`, read before it is stopped.
- **memory per live actor**: in a separate process (\`node --expose-gc dist/bench/actor-memory.js\`)
  running corral's runtime in-process on a fresh database, with \`MAX_LIVE_ACTORS\` above the count:
  \`process.memoryUsage()\` after two forced GCs, before and after committing one new-incident event
  for each of ${n(r.actors.actors)} distinct signatures (500 per batch), divided by the count.
- **hydration**: the same process evicts a spread-out sample of actors from the registry, then times
  \`registry.get\` for each, one at a time (a snapshot read from PostgreSQL and its decoding).

Each corral phase other than the rounds starts on a fresh database. corral runs as it ships,
\`node ${CORRAL_NODE_FLAGS.join(' ')} dist/src/main.js\`, with its defaults except \`LOG_LEVEL=warn\` (access logs
at \`info\` would be measured as well) and a per-key rate limit high enough not to be what is measured.
This run's JetStream phases: a ${n(r.latencyJetStream.requests / r.latencyJetStream.offeredPerSecond)} s open loop and a ${r.jetstream.windowSeconds} s window (issue 5 set 30 s and 60 s; the full run
uses 20 s and 30 s to keep \`npm run bench\` near six minutes now that the HTTP phase is five rounds).
`;
}

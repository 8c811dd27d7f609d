import { Agent, request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { progress } from './services.js';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface Reply {
  status: number;
  retryAfter: number | undefined;
  /** The answer's body, when asked for (the ingest routes' `{accepted, duplicates, rejected}`). */
  body?: string;
}

export function post(url: string, body: string, headers: Record<string, string> = {}, options: { agent?: Agent; readBody?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: options.agent ?? agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      if (options.readBody) {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
      } else res.resume();
      res.once('end', () => {
        const header = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter: header === undefined ? undefined : Number(header), ...(options.readBody ? { body: text } : {}) });
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** What an ingest route's 2xx answers added up to. */
export interface Answers {
  accepted: number;
  duplicates: number;
  rejected: number;
}

/**
 * Posts until accepted: 429 and 503 are honoured (after Retry-After, at most 1 s) and counted. A
 * keep-alive socket the server closed while idle (between rounds) can fail the next request on it
 * with ECONNRESET before the server read it; that is retried and counted too (a resend the server
 * did take would show as duplicates in the answers, not as extra alerts).
 */
async function postAccepted(
  url: string,
  body: string,
  headers: Record<string, string>,
  accepted: (status: number) => boolean,
  stats: { retries: number; answers?: Answers },
): Promise<void> {
  for (;;) {
    const reply = await post(url, body, headers, { readBody: stats.answers !== undefined }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') throw error;
      return undefined;
    });
    if (reply && accepted(reply.status)) {
      if (stats.answers && reply.body) {
        const answer = JSON.parse(reply.body) as { accepted?: number; duplicates?: number; rejected?: unknown[] };
        stats.answers.accepted += answer.accepted ?? 0;
        stats.answers.duplicates += answer.duplicates ?? 0;
        stats.answers.rejected += answer.rejected?.length ?? 0;
      }
      return;
    }
    if (reply && reply.status !== 429 && reply.status !== 503) throw new Error(`POST ${url} answered ${reply.status}`);
    stats.retries += 1;
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(10, (reply?.retryAfter ?? 0.05) * 1000))));
  }
}

export interface Throughput {
  alerts: number;
  seconds: number;
  perSecond: number;
  retries: number;
  /** The ingest answers added up, when asked for (`tally`). */
  answers?: Answers;
}

/**
 * Closed loop: `concurrency` requests in flight, each a pre-serialized batch, until all are
 * accepted. The rate counts only accepted alerts.
 */
export async function drive(
  label: string,
  url: string,
  bodies: string[],
  options: { perBody: number; concurrency: number; accepted: (status: number) => boolean; headers?: Record<string, string>; tally?: boolean },
): Promise<Throughput> {
  const { perBody, concurrency, accepted, headers = {} } = options;
  const stats: { retries: number; answers?: Answers } = { retries: 0, ...(options.tally ? { answers: { accepted: 0, duplicates: 0, rejected: 0 } } : {}) };
  let next = 0;
  let done = 0;
  const started = performance.now();
  const ticker = setInterval(() => progress(`${label}: ${done * perBody} alerts accepted, ${Math.round((done * perBody) / ((performance.now() - started) / 1000))}/s`), 1000);
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++];
          await postAccepted(url, body, headers, accepted, stats);
          done += 1;
        }
      }),
    );
  } finally {
    clearInterval(ticker);
  }
  const seconds = (performance.now() - started) / 1000;
  const alerts = bodies.length * perBody;
  return { alerts, seconds, perSecond: alerts / seconds, retries: stats.retries, ...(stats.answers ? { answers: stats.answers } : {}) };
}

export interface Latency {
  offeredPerSecond: number;
  requests: number;
  achievedPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  failures: number;
  /** Requests still unanswered `graceSeconds` after the last one was sent. */
  timeouts: number;
  graceSeconds: number;
  sendSeconds: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * Open loop at a fixed rate: item i is due at start + i / rate, and `send(i, dueAt)` is called
 * for it as soon as it is due (a 1 ms timer late at worst), whether or not earlier ones were
 * answered. Latencies counted from `dueAt`, not from when the client got round to sending, show a
 * server that falls behind instead of slowing the client down (no coordinated omission).
 */
export async function onSchedule(total: number, rate: number, send: (i: number, dueAt: number) => void, report: (sent: number) => void): Promise<{ start: number; sentAll: number }> {
  const start = performance.now();
  let sent = 0;
  let lastReport = start;
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) / 1000) * rate) + 1);
    for (; sent < due; sent++) send(sent, start + (sent / rate) * 1000);
    if (now - lastReport >= 1000) {
      lastReport = now;
      report(sent);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  return { start, sentAll: performance.now() };
}

/**
 * An open-loop phase's figures. `latencies` holds one entry per item answered as hoped, and
 * Infinity for each left unanswered after the grace time: timeouts sort last, so a percentile that
 * reaches them reads as Infinity ("beyond the grace time").
 */
export function latencyOf(latencies: number[], run: { rate: number; requests: number; failures: number; start: number; sentAll: number; graceMs: number }): Latency {
  const sorted = [...latencies].sort((a, b) => a - b);
  const finite = sorted.filter((l) => Number.isFinite(l));
  return {
    offeredPerSecond: run.rate,
    requests: run.requests,
    achievedPerSecond: finite.length / ((performance.now() - run.start) / 1000),
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    p999Ms: percentile(sorted, 99.9),
    maxMs: finite[finite.length - 1] ?? Number.NaN,
    failures: run.failures,
    timeouts: sorted.length - finite.length,
    graceSeconds: run.graceMs / 1000,
    sendSeconds: (run.sentAll - run.start) / 1000,
  };
}

/** Whether the load generator itself kept up: if not, part of the latency is its own. */
export interface ClientHealth {
  /** This process' event-loop delay over the phase (monitorEventLoopDelay, 5 ms resolution). */
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  /** How late requests went out after their scheduled time. */
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  /** Most sockets open at once, of `maxSockets`. */
  socketsMax: number;
  maxSockets: number;
  /** Most requests waiting for a free socket at once (0: connections were never what held one back). */
  queuedForSocketMax: number;
  /** Sends p99 more than 10 ms late, or a request waited for a socket. */
  lagged: boolean;
}

export interface OpenLoopResult extends Latency {
  /** Count of each status answered, e.g. { "202": 49990, "503": 10 }. */
  statuses: Record<string, number>;
  /** Requests that got no answer but an error (connection refused or reset). */
  errors: number;
  /** The errors by code, e.g. { ECONNRESET: 3 }. */
  errorCodes: Record<string, number>;
  client: ClientHealth;
}

/**
 * Enough connections that the client never holds a request back: at 5,000 requests/s a server
 * answering within 100 ms needs ~500 at once; beyond this many a server is seconds behind, and a
 * queue at the client then changes nothing (latency runs from the schedule either way).
 */
const OPEN_LOOP_SOCKETS = 2048;

/** Connections opened before an open loop's clock starts: what ~100 ms of answers at 5,000/s holds. */
const WARM_SOCKETS = 512;

async function warm(target: Agent, url: string, sockets: number): Promise<void> {
  await Promise.all(
    Array.from(
      { length: sockets },
      () =>
        new Promise<void>((resolve) => {
          request(url, { agent: target }, (res) => {
            res.resume();
            res.once('end', resolve);
          })
            // Best effort: a connection refused here is simply not warm.
            .once('error', () => resolve())
            .end();
        }),
    ),
  );
}

const sum = (counts: Record<string, unknown[]> | NodeJS.ReadOnlyDict<unknown[]>) => Object.values(counts).reduce((n: number, list) => n + (list?.length ?? 0), 0);

/**
 * 1-alert webhook requests open loop (see onSchedule); a request's latency ends at its 202.
 * Returns the figures and the phase's clock (performance.now() of its start and of its last
 * answer) for the correlation catch-up that follows.
 */
export async function openLoop(
  label: string,
  url: string,
  bodies: string[],
  rate: number,
  headers: Record<string, string> = {},
  options: { graceMs?: number; /** A cheap GET on the same server, to open connections before the clock starts. */ warmUrl?: string } = {},
): Promise<{ result: OpenLoopResult; startedAt: number; answeredAt: number }> {
  const { graceMs = 60_000, warmUrl } = options;
  const loopAgent = new Agent({ keepAlive: true, maxSockets: OPEN_LOOP_SOCKETS });
  // A real sender's keep-alive connections are open before its alerts come: without this, the
  // first burst (or the one after a stall) would open hundreds of connections at once and time
  // TCP handshakes and the server's accept queue instead of its answers.
  if (warmUrl) await warm(loopAgent, warmUrl, WARM_SOCKETS);
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const errorCodes: Record<string, number> = {};
  let answered = 0;
  // Answers after the grace time are not the phase's: they would change its counts after it returned.
  let closed = false;
  let answeredAt = 0;
  const sendLags = new Float64Array(bodies.length);
  let socketsMax = 0;
  let queuedMax = 0;
  const inFlight: Array<Promise<void>> = [];
  const ownDelay = monitorEventLoopDelay({ resolution: 5 });
  ownDelay.enable();
  const { start, sentAll } = await onSchedule(
    bodies.length,
    rate,
    (i, dueAt) => {
      sendLags[i] = performance.now() - dueAt;
      inFlight.push(
        post(url, bodies[i], headers, { agent: loopAgent }).then(
          (reply) => {
            if (closed) return;
            statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
            if (reply.status === 202) latencies.push(performance.now() - dueAt);
            answered += 1;
            answeredAt = performance.now();
          },
          (error: NodeJS.ErrnoException) => {
            if (closed) return;
            errors += 1;
            const code = error.code ?? error.message;
            errorCodes[code] = (errorCodes[code] ?? 0) + 1;
            answered += 1;
            answeredAt = performance.now();
          },
        ),
      );
      if ((i & 63) === 0) {
        socketsMax = Math.max(socketsMax, sum(loopAgent.sockets));
        queuedMax = Math.max(queuedMax, sum(loopAgent.requests));
      }
    },
    (sent) => progress(`${label}: ${sent} sent, ${latencies.length} answered 202, ${answered - latencies.length} otherwise`),
  );
  // A server far behind would keep the phase going for minutes: what is unanswered by then is a timeout.
  const settled = await Promise.race([Promise.all(inFlight).then(() => true), new Promise<false>((r) => setTimeout(() => r(false), graceMs).unref())]);
  closed = true;
  ownDelay.disable();
  loopAgent.destroy();
  const failures = answered - latencies.length;
  const unanswered = bodies.length - answered;
  if (!settled) progress(`${label}: ${unanswered} requests unanswered ${graceMs / 1000} s after the last was sent; counted as timeouts`);
  const lags = Array.from(sendLags).sort((a, b) => a - b);
  const client: ClientHealth = {
    eventLoopDelayP99Ms: ownDelay.percentile(99) / 1e6,
    eventLoopDelayMaxMs: ownDelay.max / 1e6,
    sendLagP99Ms: percentile(lags, 99),
    sendLagMaxMs: lags[lags.length - 1] ?? 0,
    socketsMax,
    maxSockets: OPEN_LOOP_SOCKETS,
    queuedForSocketMax: queuedMax,
    lagged: percentile(lags, 99) > 10 || queuedMax > 0,
  };
  progress(
    `${label}: client event-loop delay p99 ${client.eventLoopDelayP99Ms.toFixed(1)} ms, sends late p99 ${client.sendLagP99Ms.toFixed(1)} ms (max ${client.sendLagMaxMs.toFixed(1)}), ${socketsMax} sockets at most, ${queuedMax} requests at most waiting for one`,
  );
  const all = [...latencies, ...Array<number>(unanswered).fill(Number.POSITIVE_INFINITY)];
  return {
    result: { ...latencyOf(all, { rate, requests: bodies.length, failures, start, sentAll, graceMs }), statuses, errors, errorCodes, client },
    startedAt: start,
    answeredAt: answeredAt || performance.now(),
  };
}

import { Agent, request } from 'node:http';
import { progress } from './services.js';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface Reply {
  status: number;
  retryAfter: number | undefined;
}

export function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.once('end', () => {
        const header = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, retryAfter: header === undefined ? undefined : Number(header) });
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}

/** Posts until accepted: 429 and 503 are honoured (after Retry-After, at most 1 s) and counted. */
async function postAccepted(url: string, body: string, headers: Record<string, string>, accepted: (status: number) => boolean, stats: { retries: number }): Promise<void> {
  for (;;) {
    const reply = await post(url, body, headers);
    if (accepted(reply.status)) return;
    if (reply.status !== 429 && reply.status !== 503) throw new Error(`POST ${url} answered ${reply.status}`);
    stats.retries += 1;
    await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(10, (reply.retryAfter ?? 0.05) * 1000))));
  }
}

export interface Throughput {
  alerts: number;
  seconds: number;
  perSecond: number;
  retries: number;
}

/**
 * Closed loop: `concurrency` requests in flight, each a pre-serialized batch, until all are
 * accepted. The rate counts only accepted alerts.
 */
export async function drive(
  label: string,
  url: string,
  bodies: string[],
  options: { perBody: number; concurrency: number; accepted: (status: number) => boolean; headers?: Record<string, string> },
): Promise<Throughput> {
  const { perBody, concurrency, accepted, headers = {} } = options;
  const stats = { retries: 0 };
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
  return { alerts, seconds, perSecond: alerts / seconds, retries: stats.retries };
}

export interface Latency {
  offeredPerSecond: number;
  requests: number;
  achievedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  failures: number;
  /** Requests still unanswered `graceSeconds` after the last one was sent. */
  timeouts: number;
  graceSeconds: number;
  sendSeconds: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
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
    p99Ms: percentile(sorted, 99),
    maxMs: finite[finite.length - 1] ?? Number.NaN,
    failures: run.failures,
    timeouts: sorted.length - finite.length,
    graceSeconds: run.graceMs / 1000,
    sendSeconds: (run.sentAll - run.start) / 1000,
  };
}

/** 1-alert webhook requests open loop (see onSchedule); a request's latency ends at its 202. */
export async function openLoop(label: string, url: string, bodies: string[], rate: number, headers: Record<string, string> = {}, graceMs = 60_000): Promise<Latency> {
  const latencies: number[] = [];
  let failures = 0;
  const inFlight: Array<Promise<void>> = [];
  const { start, sentAll } = await onSchedule(
    bodies.length,
    rate,
    (i, dueAt) => {
      inFlight.push(
        post(url, bodies[i], headers).then(
          (reply) => {
            if (reply.status === 202) latencies.push(performance.now() - dueAt);
            else failures += 1;
          },
          () => void (failures += 1),
        ),
      );
    },
    (sent) => progress(`${label}: ${sent} sent, ${latencies.length} committed, ${failures} failed`),
  );
  // A server far behind would keep the phase going for minutes: what is unanswered by then is a timeout.
  const settled = await Promise.race([Promise.all(inFlight).then(() => true), new Promise<false>((r) => setTimeout(() => r(false), graceMs).unref())]);
  const unanswered = bodies.length - latencies.length - failures;
  if (!settled) progress(`${label}: ${unanswered} requests unanswered ${graceMs / 1000} s after the last was sent; counted as timeouts`);
  const all = [...latencies, ...Array<number>(unanswered).fill(Number.POSITIVE_INFINITY)];
  return latencyOf(all, { rate, requests: bodies.length, failures, start, sentAll, graceMs });
}

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
 * Open loop at a fixed rate: request i is due at start + i/rate and its latency runs from then
 * (not from when the client got round to sending it) to the 202, so a server that falls behind
 * shows it instead of slowing the client down (no coordinated omission).
 */
export async function openLoop(label: string, url: string, bodies: string[], rate: number, headers: Record<string, string> = {}, graceMs = 60_000): Promise<Latency> {
  const latencies: number[] = [];
  let failures = 0;
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now();
  let sent = 0;
  let lastReport = start;
  while (sent < bodies.length) {
    const now = performance.now();
    const due = Math.min(bodies.length, Math.floor(((now - start) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      const dueAt = start + (sent / rate) * 1000;
      inFlight.push(
        post(url, bodies[sent], headers).then(
          (reply) => {
            if (reply.status === 202) latencies.push(performance.now() - dueAt);
            else failures += 1;
          },
          () => void (failures += 1),
        ),
      );
    }
    if (now - lastReport >= 1000) {
      lastReport = now;
      progress(`${label}: ${sent} sent, ${latencies.length} committed, ${failures} failed`);
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  // A server far behind would keep the phase going for minutes: what is unanswered by then is a timeout.
  const sentAll = performance.now();
  const settled = await Promise.race([Promise.all(inFlight).then(() => true), new Promise<false>((r) => setTimeout(() => r(false), graceMs).unref())]);
  const seconds = (performance.now() - start) / 1000;
  const answered = latencies.length + failures;
  const unanswered = bodies.length - answered;
  if (!settled) progress(`${label}: ${unanswered} requests unanswered ${graceMs / 1000} s after the last was sent; counted as timeouts`);
  // Timeouts sort last: a percentile that reaches them reads as Infinity ("beyond the grace time").
  const all = [...latencies, ...Array<number>(unanswered).fill(Number.POSITIVE_INFINITY)].sort((a, b) => a - b);
  return {
    offeredPerSecond: rate,
    requests: bodies.length,
    achievedPerSecond: latencies.length / seconds,
    p50Ms: percentile(all, 50),
    p99Ms: percentile(all, 99),
    maxMs: latencies.sort((a, b) => a - b)[latencies.length - 1] ?? Number.NaN,
    failures,
    timeouts: unanswered,
    graceSeconds: graceMs / 1000,
    sendSeconds: (sentAll - start) / 1000,
  };
}

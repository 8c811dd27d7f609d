import { Agent, request } from 'node:http';
import { progress } from './services.js';

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface Reply {
  status: number;
  retryAfter: number | undefined;
}

export function post(url: string, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
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
async function postAccepted(url: string, body: string, accepted: (status: number) => boolean, stats: { retries: number }): Promise<void> {
  for (;;) {
    const reply = await post(url, body);
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
export async function drive(label: string, url: string, bodies: string[], perBody: number, concurrency: number, accepted: (status: number) => boolean): Promise<Throughput> {
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
          await postAccepted(url, body, accepted, stats);
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
export async function openLoop(label: string, url: string, bodies: string[], rate: number): Promise<Latency> {
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
        post(url, bodies[sent]).then(
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
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    offeredPerSecond: rate,
    requests: bodies.length,
    achievedPerSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    failures,
  };
}

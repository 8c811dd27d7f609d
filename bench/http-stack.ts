import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { post } from './http-load.js';
import { createDatabase, progress, startCorral } from './services.js';
import { AlertStream, ISSUE_SHAPE, toCanonical, toWebhook } from './workload.js';

/**
 * What the HTTP stack costs per request (issue 23, "a light HTTP stack"): corral in its own process
 * with --cpu-prof; a closed loop of one-event POST /v1/events and of 500-alert Alertmanager webhooks;
 * the server's CPU time per request from /proc, and the profile's samples inside each measured
 * window attributed to the innermost layer on their stack (express, helmet, logging, Nest, guards,
 * audit, ingest, database...). `npm run bench:http-stack [-- --requests N]`.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Innermost match wins: a sample in JSON.parse called by body-parser is body parsing. */
const LAYERS: Array<[string, RegExp]> = [
  ['body parsing (body-parser, raw-body, corral parsers)', /node_modules\/(body-parser|raw-body|iconv-lite|content-type|type-is|media-typer|@fastify\/busboy|secure-json-parse)\/|content-type-parser|body-parsers/],
  ['helmet (security headers)', /node_modules\/helmet\//],
  ['logging (pino, pino-http, nestjs-pino)', /node_modules\/(pino|pino-http|nestjs-pino|sonic-boom|fast-redact|@pinojs\/redact|pino-std-serializers|thread-stream|on-exit-leak-free|fast-safe-stringify|quick-format-unescaped)\//],
  ['express / router / their helpers (proxy-addr, path-to-regexp...)', /node_modules\/(express|router|finalhandler|path-to-regexp|send|serve-static|on-finished|parseurl|accepts|negotiator|cookie|proxy-addr|forwarded|depd|mime-types|etag|fresh|range-parser|vary|statuses|http-errors|encodeurl|escape-html|ee-first|setprototypeof|merge-descriptors|utils-merge|qs|cors)\//],
  ['fastify', /node_modules\/(fastify|@fastify\/[^/]+|find-my-way|light-my-request|avvio|fast-json-stringify|abstract-logging|toad-cache|rfdc|process-warning|middie)\//],
  ['corral auth (guard, keys, rate limits)', /src\/modules\/auth\//],
  ['corral audit (access audit)', /src\/modules\/audit\//],
  ['corral metrics middleware + prom-client', /src\/modules\/metrics\/|node_modules\/(prom-client|tdigest|bintrees)\//],
  ['corral http (filter, pipes, gate, correlation id)', /src\/modules\/http\//],
  ['validation (class-validator/transformer)', /node_modules\/(class-validator|class-transformer|validator|libphonenumber-js)\//],
  ['nest (router, guards/interceptors/pipes plumbing)', /node_modules\/(@nestjs\/[^/]+|rxjs|tslib|reflect-metadata|uid|iterare)\//],
  ['ingest + correlation (service, normalizers, core, actors)', /src\/(modules\/(ingest|enrichment|runtime|persistence|incidents|bus|cluster|rules|blast-radius|helpdesk)|correlation|actors)\//],
  ['database client (pg, typeorm)', /node_modules\/(pg|pg-protocol|pg-types|pg-pool|pgpass|postgres-[^/]+|buffer-writer|packet-reader|typeorm|sql-highlight)\//],
  ['nats client', /node_modules\/@nats-io\//],
  ['node http / net / streams', /^node:(_http|http|net|stream|internal\/(http|streams|stream_base|net|url|timers|async_hooks|process\/task_queues|event_target|events|perf|dns))|^node:events|^node:internal\/util/],
];

function layerOf(url: string): string | undefined {
  for (const [name, pattern] of LAYERS) if (pattern.test(url)) return name;
  return undefined;
}

function breakdown(profile: Profile, windowStartUs: number, windowEndUs: number, leaves?: Map<string, number>): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, string>();
  const attribute = (id: number): string => {
    const known = memo.get(id);
    if (known) return known;
    let layer: string | undefined;
    for (let at: number | undefined = id; at !== undefined && layer === undefined; at = parent.get(at)) {
      const node = byId.get(at) as ProfileNode;
      if (['(garbage collector)', '(program)', '(idle)'].includes(node.callFrame.functionName)) layer = node.callFrame.functionName;
      else layer = layerOf(node.callFrame.url);
    }
    const result = layer ?? 'other (V8 builtins, node internals)';
    memo.set(id, result);
    return result;
  };
  const totals = new Map<string, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < windowStartUs || t > windowEndUs) continue;
    const layer = attribute(profile.samples[i]);
    totals.set(layer, (totals.get(layer) ?? 0) + delta);
    if (leaves) {
      const leaf = byId.get(profile.samples[i]) as ProfileNode;
      const key = `${layer.slice(0, 12)} | ${leaf.callFrame.functionName} ${leaf.callFrame.url.replace(/.*node_modules\//, '')}`;
      leaves.set(key, (leaves.get(key) ?? 0) + delta);
    }
  }
  return totals;
}

/** utime + stime of a process, in µs (clock ticks of 10 ms: a run of several seconds is needed). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

async function closedLoop(url: string, bodies: string[], concurrency: number, headers: Record<string, string>, expected = 202): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const reply = await post(url, bodies[next++], headers);
        if (reply.status !== expected) throw new Error(`POST ${url} answered ${reply.status}`);
      }
    }),
  );
}

/**
 * Holds correlation back while a window runs: the inbox cursor row locked, so the correlator's next
 * commit waits at its cursor update (and takes no further page) while appends — the 202s — go on,
 * as test/support/harness.ts holdCorrelation does. What corral spends then is the request alone.
 */
async function holdingCorrelation<T>(databaseUrl: string, work: () => Promise<T>): Promise<T> {
  const held = new pg.Client({ connectionString: databaseUrl });
  await held.connect();
  try {
    await held.query('BEGIN');
    await held.query('SELECT position FROM inbox_cursor FOR UPDATE');
    return await work();
  } finally {
    await held.query('ROLLBACK').catch(() => undefined);
    await held.end();
  }
}

async function main(): Promise<void> {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const requests = Number(arg('--requests') ?? 4000);
  const batches = Number(arg('--batches') ?? 60);
  const profileDir = mkdtempSync(join(tmpdir(), 'corral-http-stack-'));
  const db = await createDatabase();
  const profiled = !process.argv.includes('--no-profile');
  const corral = await startCorral(db.url, profiled ? { cpuProfileDir: profileDir } : {});
  const headers = { authorization: corral.authorization };
  const stream = new AlertStream(ISSUE_SHAPE, `hs${Date.now()}`);
  const windows: Array<{ label: string; count: number; start: number; end: number; cpu: number; wall: number }> = [];
  // What corral spends with no request at all (pollers, timers, the collector), per µs of wall
  // time: taken off each window, so a loaded machine's slow loop does not inflate the per-request figure.
  // Once corral has settled: right after it listens, its intake workers are still loading (a worker
  // thread's CPU is the process's), which read as ~400 ms of "idle" CPU a second and took that much
  // too much off every window.
  await new Promise((r) => setTimeout(r, 5000));
  const idle0 = cpuMicros(corral.pid);
  const idleStart = monotonicMicros();
  await new Promise((r) => setTimeout(r, 5000));
  const idleRate = (cpuMicros(corral.pid) - idle0) / (monotonicMicros() - idleStart);
  progress(`idle: ${Math.round(idleRate * 1e6)} µs CPU per second`);
  const measure = async (label: string, url: string, bodies: string[], concurrency: number, expected = 202) => {
    const warm = bodies.splice(0, Math.ceil(bodies.length / 5));
    await closedLoop(url, warm, concurrency, headers, expected);
    const cpu0 = cpuMicros(corral.pid);
    const start = monotonicMicros();
    await closedLoop(url, bodies, concurrency, headers, expected);
    const end = monotonicMicros();
    windows.push({ label, count: bodies.length, start, end, cpu: cpuMicros(corral.pid) - cpu0 - idleRate * (end - start), wall: end - start });
    progress(`${label}: ${bodies.length} requests in ${((end - start) / 1e6).toFixed(1)} s`);
  };
  try {
    // The HTTP stack alone: the same route and size, refused by the ingest service's first check
    // (400, nothing written), so no database time and almost no ingest code is in the figure.
    const refused = toCanonical(stream.next()).replace('"schemaVersion":"1"', '"schemaVersion":"0"');
    await measure('POST /v1/events, one refused event (400: the HTTP stack alone)', `${corral.baseUrl}/v1/events`, Array.from({ length: requests }, () => refused), 16, 400);
    await measure('POST /v1/events, one event', `${corral.baseUrl}/v1/events`, Array.from({ length: requests }, () => toCanonical(stream.next())), 16);
    await measure('POST /v1/ingest/alertmanager, 500 alerts', `${corral.baseUrl}/v1/ingest/alertmanager`, Array.from({ length: batches }, () => toWebhook(stream.take(500))), 4);
    // Last, so that the catch-up once it is let go falls in no window: the one-event requests with
    // correlation held back, i.e. the per-request figure without the correlation of each event.
    await holdingCorrelation(db.url, () =>
      measure('POST /v1/events, one event, correlation held back (the request alone)', `${corral.baseUrl}/v1/events`, Array.from({ length: requests }, () => toCanonical(stream.next())), 16),
    );
  } finally {
    await corral.stop();
    await db.drop();
  }
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  const profile = file ? (JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as Profile) : undefined;
  rmSync(profileDir, { recursive: true, force: true });
  for (const w of windows) {
    console.log(`\n${w.label}: ${w.count} requests, ${Math.round(w.count / (w.wall / 1e6))} req/s closed loop, server CPU ${Math.round(w.cpu / w.count)} µs/request (idle cost taken off)`);
    if (!profile) continue;
    const leaves = process.argv.includes('--leaves') ? new Map<string, number>() : undefined;
    const totals = breakdown(profile, w.start, w.end, leaves);
    if (leaves) for (const [leaf, us] of [...leaves].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  leaf ${String(Math.round(us / w.count)).padStart(6)} µs  ${leaf}`);
    const sampled = [...totals.values()].reduce((a, b) => a + b, 0);
    for (const [layer, us] of [...totals].sort((a, b) => b[1] - a[1])) {
      if (layer === '(idle)') continue;
      console.log(`  ${String(Math.round(us / w.count)).padStart(7)} µs  ${((100 * us) / sampled).toFixed(1).padStart(5)}%  ${layer}`);
    }
    console.log(`  (idle: ${Math.round((totals.get('(idle)') ?? 0) / w.count)} µs/request of wall time)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

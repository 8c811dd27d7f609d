import 'reflect-metadata';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActorRegistry } from '../src/actors/actor-registry.js';
import { Batcher } from '../src/actors/batcher.js';
import { createApp } from '../src/bootstrap.js';
import type { CanonicalEvent } from '../src/correlation/canonical-event.js';
import { Correlator } from '../src/actors/correlator.js';
import { loadConfig } from '../src/modules/config/corral-config.js';
import { percentile } from './http-load.js';
import { progress } from './services.js';

/**
 * Run as its own process (`node --expose-gc dist/bench/actor-memory.js <actors> <hydrations>`,
 * DATABASE_URL set): drives corral's runtime in-process, so the heap it measures holds corral and
 * nothing of the load generator. Prints one JSON line with the result.
 */
const actors = Number(process.argv[2] ?? 100_000);
const hydrations = Number(process.argv[3] ?? 1_000);

function collect(): NodeJS.MemoryUsage {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage();
}

function eventFor(i: number, at: string): CanonicalEvent {
  return {
    id: `mem-${i}`,
    schemaVersion: '1',
    kind: 'alert',
    source: { type: 'canonical', system: 'bench' },
    occurredAt: at,
    receivedAt: at,
    status: 'firing',
    severity: 'high',
    system: `mem-sys-${i}`,
    facility: `site-${i % 7}`,
    symptom: `service degraded on mem-sys-${i}`,
    errorSignature: `BenchAlert${i % 50}`,
    patientImpact: false,
    correlationId: `bench-${i}`,
  };
}

async function main(): Promise<void> {
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    NATS_URL: '',
    CORRAL_TOKEN_KEY: 'bench-token-key-0123456789abcdefghijklmnopqrstuv',
    CORRAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'corral-bench-mem-')),
    LOG_LEVEL: 'warn',
    // Every actor stays live: the point is to measure them all in memory at once.
    MAX_LIVE_ACTORS: String(actors * 2),
    ACTOR_IDLE_MS: String(24 * 3_600_000),
  });
  const app = await createApp(config);
  await app.init();
  const batcher = app.get(Batcher);
  const registry = app.get(ActorRegistry);
  const correlator = app.get(Correlator);
  try {
    const before = collect();
    const at = new Date().toISOString();
    const started = performance.now();
    let lastReport = started;
    const chunk = 500;
    const inFlight = 4;
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < actors) {
          const from = next;
          next = Math.min(actors, next + chunk);
          const inputs = [];
          for (let i = from; i < next; i++) inputs.push({ type: 'event' as const, event: eventFor(i, at) });
          await batcher.submit(inputs);
          if (performance.now() - lastReport > 1000) {
            lastReport = performance.now();
            progress(`actors: ${registry.size} live, ${Math.round(registry.size / ((lastReport - started) / 1000))}/s`);
          }
        }
      }),
    );
    const after = collect();
    if (registry.size < actors) throw new Error(`only ${registry.size} of ${actors} actors are live`);
    progress(`actors: ${registry.size} live; heap +${Math.round((after.heapUsed - before.heapUsed) / 1048576)} MiB, rss ${Math.round(after.rss / 1048576)} MiB`);

    // Passivate a random sample, then bring each back alone: one snapshot read and decode apiece.
    const signatures = Array.from({ length: hydrations }, (_, k) =>
      correlator.signatureFor({ type: 'event', event: eventFor(Math.floor((k * actors) / hydrations), at) }),
    );
    // Untimed: a few other actors first, so the hydration path is compiled (a process' first
    // hydrations run cold code), and a pause for V8 to finish sweeping after the forced collections
    // the memory figure needed (allocations right after them wait for that sweeping).
    const warmup = Array.from({ length: 50 }, (_, k) => correlator.signatureFor({ type: 'event', event: eventFor(Math.floor((k * actors) / 50) + 1, at) }));
    registry.evict(warmup);
    for (const signature of warmup) await registry.get(signature);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    registry.evict(signatures);
    const hydrationsBefore = registry.hydrations;
    const times: number[] = [];
    for (const signature of signatures) {
      const t = performance.now();
      const actor = await registry.get(signature);
      times.push(performance.now() - t);
      if (actor.seq === 0) throw new Error(`${signature} came back empty: hydration found no snapshot`);
    }
    if (registry.hydrations - hydrationsBefore !== hydrations) throw new Error('evicted actors were not hydrated again');
    times.sort((a, b) => a - b);
    const result = {
      actors: registry.size,
      heapBytesPerActor: (after.heapUsed - before.heapUsed) / actors,
      rssBytesPerActor: (after.rss - before.rss) / actors,
      rssBytes: after.rss,
      heapUsedBytes: after.heapUsed,
      ingestSeconds: (performance.now() - started) / 1000,
      hydrationP50Ms: percentile(times, 50),
      hydrationP99Ms: percentile(times, 99),
      hydrationMaxMs: times[times.length - 1] ?? Number.NaN,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

import { parentPort, workerData } from 'node:worker_threads';
import { LeaseTable } from './lease.repository.js';
import type { RenewerData, RenewerReport } from './lease-renewer.js';

/**
 * The lease renewal loop, on a thread of its own (see LeaseRenewer): one renewal every
 * `everyMs`, over its own connection. It writes how long this instance's belief holds into the
 * shared `deadline` and reports each outcome to the main thread, which stops what was lost.
 */
const data = workerData as RenewerData;
// The statement timeout only bounds a database that does not answer; waits for this instance's own
// commit in flight are bounded by a tick (lock_timeout, see renew below), so the loop keeps its pace.
const table = new LeaseTable(data.url, data.instanceId, data.leaseMs, data.maxStallMs, data.everyMs);
const shared = new Float64Array(data.shared);
const now = () => performance.timeOrigin + performance.now();
let timer: NodeJS.Timeout | undefined;
let stopped = false;

async function tick(): Promise<void> {
  const startedAt = now();
  // A main thread not seen for this long is stuck, not slow: stop vouching for it, let others take over.
  const stalled = startedAt - (shared[1] ?? 0) > data.maxStallMs;
  let report: RenewerReport;
  if (stalled) {
    report = { kind: 'stalled', startedAt };
  } else {
    try {
      // Leases a commit of ours holds longer than a tick are left for the next one, so that a slow
      // commit never holds up the renewal of every other lease.
      const { leases, waiting, extendedMs } = await table.renew();
      // The database's expiry is at least startedAt + extendedMs (its statement began later); a fifth of a lease short of it.
      shared[0] = startedAt + extendedMs - data.leaseMs * 0.2;
      report = { kind: 'renewed', startedAt, tookMs: now() - startedAt, leases: [...leases], waiting: [...waiting] };
    } catch (error) {
      report = { kind: 'failed', startedAt, error: String(error) };
    }
  }
  parentPort?.postMessage(report);
  if (!stopped) timer = setTimeout(() => void tick(), Math.max(0, data.everyMs - (now() - startedAt)));
}

parentPort?.on('message', (message: 'stop') => {
  if (message !== 'stop') return;
  stopped = true;
  clearTimeout(timer);
  void table.close().finally(() => parentPort?.close());
});

void tick();

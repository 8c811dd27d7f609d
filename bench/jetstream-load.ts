import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Subjects } from '../src/modules/bus/message-bus.js';
import type { AlertStream } from './workload.js';
import { toCanonical } from './workload.js';
import { NATS_URL, progress } from './services.js';

export interface JetStreamResult {
  windowSeconds: number;
  published: number;
  /** Messages processed and acked by corral within the window, per second. */
  sustainedPerSecond: number;
  /** The slowest and fastest one-second intervals of the window. */
  minSecond: number;
  maxSecond: number;
  drainSeconds: number;
  /** False when corral had not caught up when the drain timeout ran out. */
  drained: boolean;
  redelivered: number;
}

const encoder = new TextEncoder();

/**
 * Publishes canonical events to `<ns>.corral.in.canonical` as fast as JetStream stores them (a
 * window of unconfirmed publishes, at most `backlogCap` ahead of what corral has acked so the
 * stream does not grow without bound) for `windowSeconds`, and counts what corral acked meanwhile. "Processed" is
 * read from the consumer: delivered minus still awaiting ack. Then waits until nothing is pending
 * and nothing awaits an ack.
 */
export async function driveJetStream(namespace: string, stream: AlertStream, windowSeconds: number, backlogCap: number, drainTimeoutMs = 120_000): Promise<JetStreamResult> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const subjects = new Subjects(namespace);
    const subject = subjects.in('canonical');
    const info = () => jsm.consumers.info(subjects.inStream, subjects.ingestConsumer);
    const processed = async () => {
      const c = await info();
      // The stream is the phase's own: each delivery beyond its messages is a redelivery.
      return { done: c.delivered.stream_seq - c.num_ack_pending, pending: c.num_pending, ackPending: c.num_ack_pending, redelivered: c.delivered.consumer_seq - c.delivered.stream_seq };
    };

    const base = (await processed()).done;
    let published = 0;
    // What corral has acked so far, polled often: the publisher keeps at most `backlogCap` ahead.
    let acked = 0;
    let stop = false;
    const poller = setInterval(() => {
      processed().then((p) => (acked = p.done - base), () => undefined);
    }, 100);
    const publisher = (async () => {
      const window: Array<Promise<unknown>> = [];
      while (!stop) {
        if (published - acked >= backlogCap) {
          await Promise.all(window.splice(0, window.length));
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        const count = Math.min(500, backlogCap - (published - acked));
        for (let i = 0; i < count; i++) window.push(js.publish(subject, encoder.encode(toCanonical(stream.next()))));
        published += count;
        if (window.length >= 2000) await Promise.all(window.splice(0, window.length));
      }
      await Promise.all(window);
    })();

    const perSecond: number[] = [];
    const started = performance.now();
    let last = base;
    try {
      for (let s = 1; s <= windowSeconds; s++) {
        await new Promise((r) => setTimeout(r, Math.max(0, started + s * 1000 - performance.now())));
        const now = await processed();
        perSecond.push(now.done - last);
        last = now.done;
        progress(`jetstream: ${s}/${windowSeconds} s, published ${published}, acked ${now.done - base} (${perSecond[perSecond.length - 1]}/s), backlog ${now.pending}, awaiting ack ${now.ackPending}`);
      }
    } finally {
      stop = true;
      await publisher;
      clearInterval(poller);
    }
    const windowDone = last - base;
    const windowElapsed = (performance.now() - started) / 1000;

    const drainStart = performance.now();
    let final = await processed();
    let lastReport = drainStart;
    while (final.pending > 0 || final.ackPending > 0) {
      await new Promise((r) => setTimeout(r, 250));
      final = await processed();
      if (performance.now() - lastReport >= 1000) {
        lastReport = performance.now();
        progress(`jetstream: draining, ${final.pending} pending, ${final.ackPending} awaiting ack`);
      }
      if (performance.now() - drainStart > drainTimeoutMs) break;
    }
    const drained = final.pending === 0 && final.ackPending === 0;
    progress(`jetstream: ${drained ? 'drained' : 'NOT drained'} ${published} in ${((performance.now() - drainStart) / 1000).toFixed(1)} s after the window`);
    const sorted = [...perSecond].sort((a, b) => a - b);
    return {
      windowSeconds,
      published,
      sustainedPerSecond: windowDone / windowElapsed,
      minSecond: sorted[0] ?? 0,
      maxSecond: sorted[sorted.length - 1] ?? 0,
      drainSeconds: (performance.now() - drainStart) / 1000,
      drained,
      redelivered: final.redelivered,
    };
  } finally {
    await nc.close();
  }
}

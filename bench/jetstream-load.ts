import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Subjects } from '../src/modules/bus/message-bus.js';
import { latencyOf, onSchedule, percentile, type Latency } from './http-load.js';
import { awaitCorrelated, type Correlation, type InboxGauges } from './inbox.js';
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
  /**
   * Correlated within the window, per second: the inbox's correlated position at the window's end
   * minus at its start (positions are one per appended event); undefined without inbox gauges.
   */
  correlatedPerSecond: number | undefined;
  correlatedMinSecond: number | undefined;
  correlatedMaxSecond: number | undefined;
  /** Until correlation caught up with every acked event, timed from the window's start. */
  correlation: Correlation;
}

const encoder = new TextEncoder();

/** A phase's own connection to NATS, closed when it ends, and the namespace's inbound subject for canonical events. */
async function withPhase<T>(
  namespace: string,
  phase: (c: { nc: NatsConnection; jsm: JetStreamManager; subjects: Subjects; subject: string }) => Promise<T>,
): Promise<T> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const subjects = new Subjects(namespace);
    return await phase({ nc, jsm: await jetstreamManager(nc), subjects, subject: subjects.in('canonical') });
  } finally {
    await nc.close();
  }
}

/**
 * Core publishes are not confirmed one by one: after a flush the server has them and the stream
 * stores them a moment later. Fails the phase unless `count` events from sequence `first` are stored.
 */
async function expectStored(jsm: JetStreamManager, stream: string, first: number, count: number, otherwise: string): Promise<void> {
  let stored = 0;
  for (let waited = 0; waited < 5_000 && stored < count; waited += 100) {
    stored = (await jsm.streams.info(stream)).state.last_seq - first + 1;
    if (stored < count) await new Promise((r) => setTimeout(r, 100));
  }
  if (stored !== count) throw new Error(`JetStream stored ${stored} of the ${count} events published; ${otherwise}`);
}

/**
 * Publishes canonical events to `<ns>.corral.in.canonical` as fast as corral takes them, at most
 * `backlogCap` ahead of what corral has acked so the stream does not grow without bound, for
 * `windowSeconds`, and counts what corral acked meanwhile. "Processed" is read from the consumer:
 * delivered minus still awaiting ack. Then waits until nothing is pending and nothing awaits an ack.
 *
 * Events go out as core NATS publishes on one connection, as in the latency phase, not as
 * confirmed JetStream publishes: the load generator shares the two cores with corral, and a
 * confirmation per event (a request with its own timer and reply) cost it about a third of a core.
 * That every event was stored is checked instead from the stream's sequence at the end.
 */
export async function driveJetStream(namespace: string, gauges: InboxGauges, stream: AlertStream, windowSeconds: number, backlogCap: number, drainTimeoutMs = 120_000): Promise<JetStreamResult> {
  return withPhase(namespace, async ({ nc, jsm, subjects, subject }) => {
    const info = () => jsm.consumers.info(subjects.inStream, subjects.ingestConsumer);
    const processed = async () => {
      const c = await info();
      // The stream is the phase's own: each delivery beyond its messages is a redelivery.
      return { done: c.delivered.stream_seq - c.num_ack_pending, pending: c.num_pending, ackPending: c.num_ack_pending, redelivered: c.delivered.consumer_seq - c.delivered.stream_seq };
    };

    const base = (await processed()).done;
    const firstSeq = (await jsm.streams.info(subjects.inStream)).state.last_seq + 1;
    let published = 0;
    // What corral has acked so far, polled often: the publisher keeps at most `backlogCap` ahead.
    let acked = 0;
    let stop = false;
    const poller = setInterval(() => {
      processed().then((p) => (acked = p.done - base), () => undefined);
    }, 100);
    const publisher = (async () => {
      while (!stop) {
        if (published - acked >= backlogCap) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        const count = Math.min(500, backlogCap - (published - acked));
        for (let i = 0; i < count; i++) nc.publish(subject, encoder.encode(toCanonical(stream.next())));
        published += count;
        // The server has every event so far before more are sent: the client's buffer stays small.
        await nc.flush();
      }
    })();

    const perSecond: number[] = [];
    const correlatedPerSecond: number[] = [];
    const inboxBefore = await gauges.read();
    const correlatedBase = inboxBefore?.correlated;
    const started = performance.now();
    let last = base;
    let lastCorrelated = correlatedBase;
    try {
      for (let s = 1; s <= windowSeconds; s++) {
        await new Promise((r) => setTimeout(r, Math.max(0, started + s * 1000 - performance.now())));
        const [now, inbox] = await Promise.all([processed(), lastCorrelated === undefined ? undefined : gauges.read()]);
        perSecond.push(now.done - last);
        last = now.done;
        if (inbox && lastCorrelated !== undefined) {
          correlatedPerSecond.push(inbox.correlated - lastCorrelated);
          lastCorrelated = inbox.correlated;
        }
        const correlatedNote = inbox ? `, correlated ${correlatedPerSecond[correlatedPerSecond.length - 1]}/s, inbox pending ${inbox.pending}` : '';
        progress(`jetstream: ${s}/${windowSeconds} s, published ${published}, acked ${now.done - base} (${perSecond[perSecond.length - 1]}/s)${correlatedNote}, backlog ${now.pending}, awaiting ack ${now.ackPending}`);
      }
    } finally {
      stop = true;
      await publisher;
      clearInterval(poller);
    }
    const windowDone = last - base;
    const windowElapsed = (performance.now() - started) / 1000;
    await expectStored(jsm, subjects.inStream, firstSeq, published, "the phase's count would be wrong");

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
    const drainSeconds = (performance.now() - drainStart) / 1000;
    progress(`jetstream: ${drained ? 'drained' : 'NOT drained'} ${published} in ${drainSeconds.toFixed(1)} s after the window`);
    const correlation = await awaitCorrelated(gauges, { startedAt: started, answeredAt: performance.now(), events: published, appendedBefore: inboxBefore?.appended });
    if (correlation.measured) progress(`jetstream: correlation caught up ${correlation.afterLastAnswerSeconds.toFixed(1)} s after the last ack`);
    const sorted = [...perSecond].sort((a, b) => a - b);
    const correlatedSorted = [...correlatedPerSecond].sort((a, b) => a - b);
    const windowCorrelated = correlation.measured && lastCorrelated !== undefined && correlatedBase !== undefined ? lastCorrelated - correlatedBase : undefined;
    return {
      windowSeconds,
      published,
      sustainedPerSecond: windowDone / windowElapsed,
      minSecond: sorted[0] ?? 0,
      maxSecond: sorted[sorted.length - 1] ?? 0,
      drainSeconds,
      drained,
      redelivered: final.redelivered,
      correlatedPerSecond: windowCorrelated === undefined ? undefined : windowCorrelated / windowElapsed,
      correlatedMinSecond: correlation.measured ? correlatedSorted[0] : undefined,
      correlatedMaxSecond: correlation.measured ? correlatedSorted[correlatedSorted.length - 1] : undefined,
      correlation,
    };
  });
}

/**
 * Open loop over JetStream: publishes one canonical event per message at `rate` per second for
 * `seconds`, on schedule whether or not corral keeps up, and times each event from its scheduled
 * send to corral's ack of it. corral acks a message only after the batch holding it committed, so
 * this is event → committed as a producer sees it, NATS both ways included. The acks are read off
 * the wire: a plain subscription to the consumer's ack subjects (`$JS.ACK.<stream>.<consumer>.>`)
 * sees every ack corral sends, and the ack subject names the stream sequence it settles.
 *
 * The events are published without waiting for JetStream's confirmations (core NATS publishes on
 * one connection, which the stream stores in order): this load generator shares the machine's two
 * cores with corral, and awaiting 5,000 confirmations a second cost it a quarter of a core that
 * would be counted against corral. Event *i* is therefore stream sequence first + *i*; the stream's
 * last sequence is checked afterwards, and the phase fails if any event was not stored.
 */
export interface JetStreamLatency extends Latency {
  /** p99 of the events due in each second of the schedule. */
  p99PerSecondMs: number[];
  /** p99 of the events due after the first `warmupSeconds` (cold caches, every actor new). */
  p99AfterWarmupMs: number;
  warmupSeconds: number;
  /** Until correlation caught up with every acked event, timed from the first scheduled publish. */
  correlation: Correlation;
}

export async function openLoopJetStream(namespace: string, gauges: InboxGauges, stream: AlertStream, rate: number, seconds: number, graceMs = 60_000): Promise<JetStreamLatency> {
  return withPhase(namespace, async ({ nc, jsm, subjects, subject }) => {
    const total = rate * seconds;
    const bodies = Array.from({ length: total }, () => encoder.encode(toCanonical(stream.next())));
    const ackedAt = new Map<number, number>();
    const acks = nc.subscribe(`$JS.ACK.${subjects.inStream}.${subjects.ingestConsumer}.>`, {
      callback: (error, msg) => {
        if (error) return;
        // An ack is an empty body or `+ACK`; `-NAK`, `+WPI` and `+TERM` settle nothing committed.
        if (msg.data.length > 0 && !(msg.data[0] === 0x2b && msg.data[1] === 0x41)) return;
        // v1 `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.…` (9 tokens); v2 adds domain and account hash.
        const tokens = msg.subject.split('.');
        const sseq = Number(tokens.length === 9 ? tokens[5] : tokens[tokens.length - 4]);
        if (!ackedAt.has(sseq)) ackedAt.set(sseq, performance.now());
      },
    });
    await nc.flush();
    // The acks are timed on this process' event loop: a stall here would read as corral's latency.
    const ownDelay = monitorEventLoopDelay({ resolution: 5 });
    ownDelay.enable();
    const first = (await jsm.streams.info(subjects.inStream)).state.last_seq + 1;
    const appendedBefore = (await gauges.read())?.appended;
    const dueAt: number[] = new Array<number>(total);
    const { start, sentAll } = await onSchedule(
      total,
      rate,
      (i, due) => {
        dueAt[i] = due;
        nc.publish(subject, bodies[i]);
      },
      (sent) => progress(`jetstream latency: ${sent} published, ${ackedAt.size} committed and acked`),
    );
    await nc.flush();
    await expectStored(jsm, subjects.inStream, first, total, 'the phase cannot tell which ack is whose');
    const graceEnd = performance.now() + graceMs;
    while (ackedAt.size < total && performance.now() < graceEnd) await new Promise((r) => setTimeout(r, 50));
    acks.unsubscribe();
    ownDelay.disable();
    let lastAck = Number.NEGATIVE_INFINITY;
    for (const at of ackedAt.values()) lastAck = Math.max(lastAck, at);
    const correlation = await awaitCorrelated(gauges, { startedAt: start, answeredAt: Number.isFinite(lastAck) ? lastAck : performance.now(), events: ackedAt.size, appendedBefore });
    progress(`jetstream latency: this process' own event-loop delay p99 ${(ownDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(ownDelay.max / 1e6).toFixed(1)} ms`);
    const latencies: number[] = [];
    // Per second of the schedule: a slow start (cold caches, new actors) shows apart from a steady state.
    const bySecond: number[][] = Array.from({ length: seconds }, () => []);
    for (let i = 0; i < total; i++) {
      const at = ackedAt.get(first + i);
      const latency = at === undefined ? Number.POSITIVE_INFINITY : at - dueAt[i];
      latencies.push(latency);
      bySecond[Math.min(seconds - 1, Math.floor((dueAt[i] - start) / 1000))]?.push(latency);
    }
    const p99PerSecondMs = bySecond.map((l) => percentile(l.sort((a, b) => a - b), 99));
    progress(`jetstream latency, p99 per second sent: ${p99PerSecondMs.map((l) => l.toFixed(0)).join(' ')} ms`);
    const warmupSeconds = Math.min(5, Math.floor(seconds / 2));
    const afterWarmup = bySecond.slice(warmupSeconds).flat().sort((a, b) => a - b);
    const timeouts = latencies.filter((l) => l === Number.POSITIVE_INFINITY).length;
    if (timeouts > 0) progress(`jetstream latency: ${timeouts} events unacked ${graceMs / 1000} s after the last was sent; counted as timeouts`);
    return {
      // A core publish cannot fail visibly: an event JetStream did not store fails the phase above.
      ...latencyOf(latencies, { rate, requests: total, failures: 0, start, sentAll, graceMs }),
      p99PerSecondMs,
      p99AfterWarmupMs: percentile(afterWarmup, 99),
      warmupSeconds,
      correlation,
    };
  });
}

/** The same NATS without corral: publish, consume and ack, at the rate the server and the client reach. */
export interface RawJetStreamResult {
  windowSeconds: number;
  /** Messages consumed and acked within the window, per second. */
  perSecond: number;
  published: number;
}

/**
 * The reference beside corral's JetStream figure (issue 24: report corral's correlated rate beside
 * the raw publish + consume + ack rate of the same NATS, in the same run). A stream like corral's
 * inbound one (file storage, limits retention), a durable pull consumer with explicit acks and
 * the same max_ack_pending, the same event bodies published the same way (core publishes, at most
 * `backlogCap` ahead of the acks), consumed in the same pulls of 1,000 that corral makes, every
 * message acked as it arrives and nothing else done with it. One process publishes and consumes,
 * as the bench process publishes while corral consumes on the same two cores.
 */
export async function rawJetStream(stream: AlertStream, windowSeconds: number, backlogCap: number): Promise<RawJetStreamResult> {
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  const name = `BENCH_RAW_${Date.now().toString(36).toUpperCase()}`;
  const subject = `bench.raw.${name.toLowerCase()}`;
  try {
    await jsm.streams.add({ name, subjects: [subject], retention: RetentionPolicy.Limits, storage: StorageType.File, max_age: 10 * 60 * 1_000_000_000 });
    await jsm.consumers.add(name, { durable_name: 'raw', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, max_ack_pending: 20_000 });
    const consumer = await jetstream(nc).consumers.get(name, 'raw');
    let acked = 0;
    let stopping = false;
    const consuming = (async () => {
      while (!stopping) {
        const batch = await consumer.fetch({ max_messages: 1000, expires: 1000 });
        for await (const m of batch) {
          m.ack();
          acked += 1;
        }
      }
    })();
    let published = 0;
    const started = performance.now();
    const ends = started + windowSeconds * 1000;
    let ackedAtStart = 0;
    let warm = false;
    while (performance.now() < ends) {
      // A second of warm-up is not counted: the consumer's first pulls and the stream's first blocks.
      if (!warm && performance.now() - started >= 1000) {
        warm = true;
        ackedAtStart = acked;
      }
      if (published - acked >= backlogCap) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      const count = Math.min(500, backlogCap - (published - acked));
      for (const alert of stream.take(count)) nc.publish(subject, encoder.encode(JSON.stringify(toCanonical(alert))));
      published += count;
      await nc.flush();
    }
    const counted = acked - ackedAtStart;
    stopping = true;
    await consuming.catch(() => undefined);
    const perSecond = counted / (windowSeconds - 1);
    progress(`raw JetStream: ${Math.round(perSecond)} messages/s published, consumed and acked (${counted} in ${windowSeconds - 1} s)`);
    return { windowSeconds: windowSeconds - 1, perSecond, published };
  } finally {
    await jsm.streams.delete(name).catch(() => false);
    await nc.close();
  }
}

import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Logger } from '@nestjs/common';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { InboundMessage, MessageBus, Subjects } from './message-bus.js';
import { receiptsOf, type ReceiptOf } from './receipts.js';

const ms = (millis: number) => millis * 1_000_000;
const DAY = 24 * 60 * 60 * 1000;

export interface JetStreamOptions {
  servers: string;
  ackWaitMs: number;
  /** Failed attempts at one inbound message at most (NATS_MAX_DELIVER): from this delivery on, `lastAttempt`. */
  maxDeliver?: number;
  /** How many messages may be delivered but not yet settled: bounds memory and in-flight work. */
  maxInFlight?: number;
  /** Credentials and TLS (see nats-auth.ts); none for an open development server. */
  connect?: Partial<NodeConnectionOptions>;
}

export class JetStreamBus implements MessageBus {
  private readonly logger = new Logger('JetStreamBus');
  readonly kind = 'jetstream';
  private stopping = false;
  private loop: Promise<void> | undefined;

  private constructor(
    readonly subjects: Subjects,
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly options: JetStreamOptions,
  ) {}

  static async connect(subjects: Subjects, options: JetStreamOptions): Promise<JetStreamBus> {
    const nc = await connect({ ...options.connect, servers: options.servers.split(','), name: 'corral', maxReconnectAttempts: -1 });
    const jsm = await jetstreamManager(nc);
    const bus = new JetStreamBus(subjects, nc, jsm, jetstream(nc), options);
    await bus.ensureTopology();
    return bus;
  }

  /**
   * Creates the streams and the durable consumer if missing; an existing setup is left as the
   * operator tuned it. The consumer has no max_deliver, on purpose: the server counts every
   * delivery, also the copies it sends while corral still holds the message (its ack wait ran out
   * in a backlog; the intake ignores those copies), and drops a message past the limit without a
   * word. With max_deliver 5 the crash test (SIGKILL during a backlog, ack wait 4 s) lost about half
   * its events. Corral bounds the attempts that *fail* instead (NATS_MAX_DELIVER, see NatsIntake).
   */
  private async ensureTopology(): Promise<void> {
    const { subjects } = this;
    await this.ensureStream(subjects.inStream, subjects.inbound, 7 * DAY);
    await this.ensureStream(subjects.dlqStream, subjects.deadLetters, 30 * DAY);
    // Tickets are deduplicated by Nats-Msg-Id (the event key) within the duplicate window, so a
    // relay that dies between publishing and marking sent does not publish the ticket twice.
    await this.ensureStream(subjects.ticketsStream, [`${subjects.prefix}.tickets.>`, `${subjects.prefix}.oncall.>`], 30 * DAY);
    const existing = await this.jsm.consumers.info(subjects.inStream, subjects.ingestConsumer).catch(() => undefined);
    if (!existing) {
      await this.jsm.consumers.add(subjects.inStream, {
        durable_name: subjects.ingestConsumer,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: subjects.inbound,
        ack_wait: ms(this.options.ackWaitMs),
        max_ack_pending: 20_000,
      });
    }
  }

  private async ensureStream(name: string, subject: string | string[], maxAgeMs: number): Promise<void> {
    const exists = await this.jsm.streams.info(name).catch(() => undefined);
    if (exists) return;
    await this.jsm.streams.add({
      name,
      subjects: Array.isArray(subject) ? subject : [subject],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: ms(maxAgeMs),
      duplicate_window: ms(2 * 60 * 1000),
    });
  }

  async inboundLag(): Promise<{ pending: number; ackPending: number } | null> {
    const info = await this.jsm.consumers.info(this.subjects.inStream, this.subjects.ingestConsumer).catch(() => undefined);
    return info ? { pending: info.num_pending, ackPending: info.num_ack_pending } : null;
  }

  /** The JetStream handles, for the partitioned second stage (src/modules/cluster/partition-streams.ts). */
  get jetstream(): { js: JetStreamClient; jsm: JetStreamManager } {
    return { js: this.js, jsm: this.jsm };
  }

  /**
   * Pulls in bounded batches (`fetch`): each pull request ends — every message it asked for
   * received, or expired within a second — before the next is made. Stopping therefore leaves no
   * message in transit: a consume()-style subscription closed mid-pull would drop deliveries the
   * server already counted, and they would come back only after their ack-wait.
   */
  async consume(handler: (message: InboundMessage) => void | Promise<void>): Promise<void> {
    const { inStream, ingestConsumer } = this.subjects;
    const consumer = await this.js.consumers.get(inStream, ingestConsumer);
    let receipts: ReceiptOf | undefined;
    this.stopping = false;
    this.loop = (async () => {
      while (!this.stopping) {
        let batch: ConsumerMessages;
        let receiptOf: ReceiptOf;
        try {
          // Read at the first pull and again after a failed one: a stream deleted under a running
          // consumer fails the pull in progress, and one created in its place numbers anew.
          receiptOf = receipts ??= await receiptsOf(this.jsm, inStream);
          batch = await consumer.fetch({ max_messages: this.options.maxInFlight ?? 1000, expires: 1000 });
        } catch {
          // NATS unreachable for a moment, or the stream gone: the connection reconnects by itself; ask again shortly.
          receipts = undefined;
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        try {
          for await (const m of batch) {
            const deliveryCount = m.info.deliveryCount;
            const handled = handler({
              subject: m.subject,
              data: m.data,
              redelivered: m.redelivered,
              deliveryCount,
              lastAttempt: deliveryCount >= (this.options.maxDeliver ?? Number.POSITIVE_INFINITY),
              receipt: receiptOf(m.seq),
              ack: () => m.ack(),
              retry: (delayMs) => m.nak(delayMs),
              // `+TERM <reason>` needs NATS 2.10.4; Debian's 2.9 ignores it and would redeliver forever.
              reject: () => m.term(),
            });
            // A handler that took the message at once returns nothing: no await, no microtask.
            if (handled) await handled;
          }
        } catch (error) {
          receipts = undefined;
          // The pull ended early ("heartbeats missed" after the event loop stalled for two idle
          // heartbeats) or a handler threw: unacked messages come back after their ack wait; pull
          // again. Uncaught, this rejection ended the process; unlogged, a persistent fault would be
          // a silent redelivery loop.
          this.logger.warn(`JetStream pull ended early (${error instanceof Error ? error.message : String(error)}); unacked messages come back after their ack wait`);
        }
      }
    })();
  }

  async stopConsuming(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  async publish(subject: string, data: Uint8Array, options: { msgId?: string } = {}): Promise<void> {
    await this.js.publish(subject, data, options.msgId ? { msgID: options.msgId } : undefined);
  }

  async ping(): Promise<void> {
    await this.nc.rtt();
    await this.jsm.streams.info(this.subjects.inStream);
  }

  async close(): Promise<void> {
    await this.stopConsuming();
    if (!this.nc.isClosed()) await this.nc.drain();
  }
}

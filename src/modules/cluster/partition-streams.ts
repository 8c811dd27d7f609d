import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, type Consumer, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { Subjects } from '../bus/message-bus.js';
import { receiptsOf, type ReceiptOf } from '../bus/receipts.js';

const ms = (millis: number) => millis * 1_000_000;

/**
 * The second stage's JetStream side: one stream for `corral.sig.>` (work-queue retention: an acked
 * message is gone; the per-partition consumers' filters never overlap, as the server requires), and
 * one durable pull consumer per partition. Whoever owns partition p pulls `corral-sig-<p>`; a new
 * owner continues from the same durable cursor, and whatever the old owner took and never acked
 * comes back after the consumer's ack wait.
 */
export class PartitionStreams {
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly subjects: Subjects,
    private readonly partitions: number,
    private readonly ackWaitMs: number,
  ) {}

  async ensureTopology(): Promise<void> {
    const { subjects } = this;
    const exists = await this.jsm.streams.info(subjects.sigStream).catch(() => undefined);
    if (!exists) {
      await this.jsm.streams
        .add({
          name: subjects.sigStream,
          subjects: [subjects.sigAll],
          retention: RetentionPolicy.Workqueue,
          storage: StorageType.File,
          max_age: ms(7 * 24 * 3600 * 1000),
          duplicate_window: ms(2 * 60 * 1000),
        })
        // Another instance starting at the same moment may have created it first.
        .catch(async (error: unknown) => {
          if (!(await this.jsm.streams.info(subjects.sigStream).catch(() => undefined))) throw error;
        });
    }
    const existing = new Set<string>();
    for await (const info of this.jsm.consumers.list(subjects.sigStream)) existing.add(info.name);
    for (let p = 0; p < this.partitions; p++) {
      if (existing.has(subjects.sigConsumer(p))) continue;
      // Adding a consumer with the same configuration again is accepted by the server: races are harmless.
      await this.jsm.consumers.add(subjects.sigStream, {
        durable_name: subjects.sigConsumer(p),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: subjects.sigPartition(p),
        ack_wait: ms(this.ackWaitMs),
        max_ack_pending: 10_000,
      });
    }
  }

  consumer(partition: number): Promise<Consumer> {
    return this.js.consumers.get(this.subjects.sigStream, this.subjects.sigConsumer(partition));
  }

  /** Receipts of this stream's messages, as of its creation time now (see receipts.ts). */
  receipts(): Promise<ReceiptOf> {
    return receiptsOf(this.jsm, this.subjects.sigStream);
  }

  /** Messages not yet delivered and delivered but not yet acked, for GET /v1/cluster and the metrics. */
  async lag(partition: number): Promise<{ pending: number; ackPending: number } | null> {
    const info = await this.jsm.consumers.info(this.subjects.sigStream, this.subjects.sigConsumer(partition)).catch(() => undefined);
    return info ? { pending: info.num_pending, ackPending: info.num_ack_pending } : null;
  }
}

/**
 * Pulls one partition while this instance owns it. `fetch` rather than `consume`: a fetch ends by
 * itself after `expires`, so stopping never strands prefetched messages (they would wait a whole ack
 * wait before the next owner sees them); every message fetched is handed to `handle`, and `stop`
 * waits until all of them are settled.
 */
export class PartitionConsumer {
  private stopping = false;
  private stopped!: () => void;
  private readonly stopSignal = new Promise<void>((resolve) => (this.stopped = resolve));
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    readonly partition: number,
    private readonly consumer: Consumer,
    private readonly readReceipts: () => Promise<ReceiptOf>,
    private readonly handle: (message: JsMsg, receipt: string) => Promise<void>,
    private readonly capacity: () => Promise<void>,
    private readonly paused: () => boolean,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    let receipts: ReceiptOf | undefined;
    while (!this.stopping) {
      if (this.paused()) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      try {
        // Read again after a failed pull, as JetStreamBus does for the inbound stream.
        const receiptOf = (receipts ??= await this.readReceipts());
        const batch = await this.consumer.fetch({ max_messages: 250, expires: 1000 });
        for await (const message of batch) {
          // Not started when the handoff began: back to the stream at once, for the next owner,
          // rather than waited through a full batcher first.
          if (!this.stopping) await Promise.race([this.capacity(), this.stopSignal]);
          if (this.stopping) {
            message.nak();
            continue;
          }
          const settled: Promise<void> = this.handle(message, receiptOf(message.seq)).finally(() => this.inFlight.delete(settled));
          this.inFlight.add(settled);
        }
      } catch (error) {
        receipts = undefined;
        this.onError(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.stopped();
    await this.loop;
    await Promise.all([...this.inFlight]);
  }
}

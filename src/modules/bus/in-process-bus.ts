import type { InboundMessage, MessageBus, Subjects } from './message-bus.js';

export interface RecordedMessage {
  subject: string;
  data: Uint8Array;
}

/**
 * The single-machine stand-in for JetStream (no NATS_URL): same port, same settle semantics
 * (ack, retry after a delay, reject), nothing kept across restarts. Published dead letters and
 * tickets are kept in memory, newest last, up to `keep` of them.
 */
export class InProcessBus implements MessageBus {
  readonly kind = 'in-process';
  readonly published: RecordedMessage[] = [];
  private handler: ((message: InboundMessage) => void | Promise<void>) | undefined;
  private backlog: RecordedMessage[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly subjects: Subjects,
    private readonly keep = 1000,
    /** From this delivery on, `lastAttempt` (NATS_MAX_DELIVER). */
    private readonly maxDeliver = Number.POSITIVE_INFINITY,
  ) {}

  consume(handler: (message: InboundMessage) => void | Promise<void>): Promise<void> {
    this.handler = handler;
    for (const message of this.backlog.splice(0)) this.deliver(message, 1);
    return Promise.resolve();
  }

  stopConsuming(): Promise<void> {
    this.handler = undefined;
    return Promise.resolve();
  }

  publish(subject: string, data: Uint8Array): Promise<void> {
    const message = { subject, data };
    if (this.subjects.sourceOf(subject) !== undefined) {
      if (this.handler) this.deliver(message, 1);
      else this.backlog.push(message);
    } else {
      this.published.push(message);
      if (this.published.length > this.keep) this.published.shift();
    }
    return Promise.resolve();
  }

  ping(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.handler = undefined;
    return Promise.resolve();
  }

  private deliver(message: RecordedMessage, deliveryCount: number): void {
    const handler = this.handler;
    if (!handler) {
      this.backlog.push(message);
      return;
    }
    // In-process publishers are corral itself (no outside producer to slow down), so admission is not awaited.
    void handler({
      ...message,
      redelivered: deliveryCount > 1,
      deliveryCount,
      lastAttempt: deliveryCount >= this.maxDeliver,
      ack: () => undefined,
      reject: () => undefined,
      retry: (delayMs) => {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          this.deliver(message, deliveryCount + 1);
        }, delayMs);
        this.timers.add(timer);
      },
    });
  }
}

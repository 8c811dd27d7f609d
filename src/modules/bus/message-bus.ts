/** One message from the inbound stream; the consumer settles it exactly once. */
export interface InboundMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly redelivered: boolean;
  /** Which delivery of the message this is: 1 for the first. */
  readonly deliveryCount: number;
  /**
   * Delivery NATS_MAX_DELIVER or later: a message failing again by its own fault is dead-lettered
   * now instead of retried (a failure that is not its own, the database down, is still retried).
   */
  readonly lastAttempt: boolean;
  /** Stable id of this message (`<stream>@<created>:<seq>`, see receipts.ts), committed with its effects; absent in-process. */
  readonly receipt?: string;
  /** Processed and durable: never deliver again. */
  ack(): void;
  /** Not processed this time (e.g. the database is down): deliver again after delayMs. */
  retry(delayMs: number): void;
  /** Can never be processed (it has been dead-lettered): never deliver again. */
  reject(reason: string): void;
}

/**
 * The transport port. Above it, corral does not know whether it runs on JetStream or on the
 * in-process bus of a single-machine install.
 */
export interface MessageBus {
  readonly kind: 'jetstream' | 'in-process';
  readonly subjects: Subjects;
  /**
   * Delivers inbound messages to `handler`. When the handler returns a promise, the next message is
   * not taken until it settles: that is how a full runtime stops pulling from the stream.
   */
  consume(handler: (message: InboundMessage) => void | Promise<void>): Promise<void>;
  /** Stops delivering new messages; those already delivered can still be settled. */
  stopConsuming(): Promise<void>;
  publish(subject: string, data: Uint8Array, options?: { msgId?: string }): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Inbound messages not yet delivered and delivered but not yet acked (metrics); a bus without a durable consumer has none. */
  inboundLag?(): Promise<{ pending: number; ackPending: number } | null>;
}

export const MESSAGE_BUS = Symbol('MessageBus');

/**
 * Subject and stream names. A namespace prefixes both so that several corral installations (or
 * test suites) can share one NATS server without seeing each other's messages.
 */
export class Subjects {
  readonly prefix: string;
  readonly streamPrefix: string;

  constructor(namespace?: string) {
    this.prefix = namespace ? `${namespace}.corral` : 'corral';
    this.streamPrefix = namespace ? `${namespace.toUpperCase().replace(/-/g, '_')}_` : '';
  }

  get inbound(): string {
    return `${this.prefix}.in.>`;
  }
  in(source: string): string {
    return `${this.prefix}.in.${source}`;
  }
  get deadLetters(): string {
    return `${this.prefix}.dlq.>`;
  }
  dlq(reason: string): string {
    return `${this.prefix}.dlq.${reason}`;
  }
  /** The source named by an inbound subject: `corral.in.alertmanager` → `alertmanager`. */
  sourceOf(subject: string): string | undefined {
    const head = `${this.prefix}.in.`;
    return subject.startsWith(head) ? subject.slice(head.length) : undefined;
  }
  /** Ticket events for a helpdesk queue. */
  tickets(queue: string): string {
    return `${this.prefix}.tickets.${queue}`;
  }
  /** Escalations for a queue's on-call. */
  oncall(queue: string): string {
    return `${this.prefix}.oncall.${queue}`;
  }
  get ticketsStream(): string {
    return `${this.streamPrefix}CORRAL_TICKETS`;
  }
  get inStream(): string {
    return `${this.streamPrefix}CORRAL_IN`;
  }
  get dlqStream(): string {
    return `${this.streamPrefix}CORRAL_DLQ`;
  }
  get ingestConsumer(): string {
    return 'corral-ingest';
  }
  /** Several instances: normalized inputs by signature partition (DESIGN §13), `<prefix>.sig.<partition>.<token>`. */
  sig(partition: number, token: string): string {
    return `${this.prefix}.sig.${partition}.${token}`;
  }
  sigPartition(partition: number): string {
    return `${this.prefix}.sig.${partition}.>`;
  }
  get sigAll(): string {
    return `${this.prefix}.sig.>`;
  }
  get sigStream(): string {
    return `${this.streamPrefix}CORRAL_SIG`;
  }
  /** Every stream corral creates under this namespace: what a benchmark or test run removes afterwards. */
  get streams(): string[] {
    return [this.inStream, this.dlqStream, this.ticketsStream, this.sigStream];
  }
  sigConsumer(partition: number): string {
    return `corral-sig-${partition}`;
  }
}

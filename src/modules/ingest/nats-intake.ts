import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { Batcher } from '../../actors/batcher.js';
import { scrubText } from '../../correlation/scrub.js';
import { MESSAGE_BUS, type InboundMessage, type MessageBus } from '../bus/message-bus.js';
import { CorralConfig } from '../config/corral-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { PgActorStore } from '../persistence/pg-actor-store.js';
import { DeadLetterService } from './dead-letters/dead-letter.service.js';
import { Inbox } from '../inbox/inbox.service.js';
import { countsOf, IngestService } from './ingest.service.js';
import { NativeIngestService } from './native-ingest.service.js';
import { ADAPTERS, isNativeSource } from './sources/registry.js';
import { clampText } from './unicode.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** `512kb` / `1mb` (HTTP_BODY_LIMIT) in bytes: NATS messages get the same ceiling as HTTP bodies. */
export function byteLimit(limit: string): number {
  const m = /^(\d+)(kb|mb)$/.exec(limit);
  return m ? Number(m[1]) * (m[2] === 'mb' ? 1024 * 1024 : 1024) : 1024 * 1024;
}

type Decoded = { ok: true; value: unknown } | { ok: false; reason: string; detail: string };

/** What taking a message's events did: the ones the runtime set aside (several instances), of how many. */
interface Committed {
  quarantined: ReturnType<typeof countsOf>['setAside'];
  submitted: number;
}

/** A message failing by its own fault comes back later each time (NATS_RETRY_DELAY_MS doubled per delivery, at most a minute), not every second. */
const MAX_RETRY_DELAY_MS = 60_000;

/**
 * Consumes `corral.in.>`: canonical events on `corral.in.canonical`, each tool's native payload on
 * `corral.in.<source>`. A message is acked only after the batch holding its events commits; a
 * failed commit sends it back for redelivery; a message that can never be processed is written to
 * `corral.dlq.<reason>` and the `dead_letter` table (scrubbed) and terminated, so it is neither
 * lost nor retried forever. An event the runtime set aside (the database refused it, or correlating
 * it threw) is dead-lettered alone; the other events of its message commit and the message is acked.
 * A message that failed by its own fault (a throw while handling it) on every delivery up to
 * NATS_MAX_DELIVER is dead-lettered on the last (`max-deliveries`); a commit that failed for the
 * database's sake is retried however often it takes, as before (see JetStreamBus: no max_deliver).
 */
@Injectable()
export class NatsIntake implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly maxBytes: number;

  private readonly handling = new Set<Promise<void>>();
  /** Receipts of the messages being handled right now. */
  private readonly inFlight = new Set<string>();
  /** Admissions waiting for a message being handled to settle (see room). */
  private readonly waitingForSlot: Array<() => void> = [];
  /**
   * Messages taken and not yet settled, at most. The batcher's room alone does not bound them: a
   * message can wait before it reaches the batcher (enrichment, up to FHIR_TIMEOUT_MS; a second
   * hop in cluster mode; a receipt lookup), and while it waits the batcher still has room, so
   * intake would go on pulling up to the server's max_ack_pending, and then the batcher would
   * refuse what it could not queue, to be redelivered.
   */
  private readonly maxHandling: number;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly ingest: IngestService,
    private readonly native: NativeIngestService,
    private readonly deadLetters: DeadLetterService,
    private readonly batcher: Batcher,
    private readonly receipts: PgActorStore,
    private readonly metrics: MetricsService,
    private readonly config: CorralConfig,
    private readonly inbox: Inbox,
    @InjectPinoLogger(NatsIntake.name) private readonly logger: PinoLogger,
  ) {
    this.maxBytes = byteLimit(config.httpBodyLimit);
    this.maxHandling = config.batch.maxQueued;
  }

  async onApplicationBootstrap(): Promise<void> {
    // Admission waits for room in the batcher, so a full runtime stops pulling instead of buffering.
    // With room (nearly always), a message is taken at once, without a promise of its own.
    await this.bus.consume((message) => (this.hasRoom ? this.take(message) : this.room().then(() => this.take(message))));
  }

  /** Room downstream: the inbox within its lag bounds (the batcher, with several instances and no inbox). */
  private get downstreamHasRoom(): boolean {
    return this.inbox.enabled ? this.inbox.hasRoom : this.batcher.hasRoom;
  }

  private get hasRoom(): boolean {
    return this.downstreamHasRoom && this.handling.size < this.maxHandling;
  }

  /** Resolves when a message can be taken: room downstream, and fewer than maxHandling being handled. */
  private room(): Promise<void> {
    if (this.hasRoom) return Promise.resolve();
    const wait = this.downstreamHasRoom ? new Promise<void>((resolve) => this.waitingForSlot.push(resolve)) : this.inbox.enabled ? this.inbox.room() : this.batcher.capacity();
    return wait.then(() => this.room());
  }

  private take(message: InboundMessage): void {
    const { receipt } = message;
    // JetStream redelivers a message whose ack-wait ran out while corral still holds it (a long
    // queue during a storm). That copy must not be processed a second time: the first one will
    // commit and ack (an ack settles the message whichever delivery it answers).
    if (receipt !== undefined && this.inFlight.has(receipt)) {
      this.logger.info({ receipt }, 'redelivered while still being processed; the first delivery will settle it');
      return;
    }
    if (receipt !== undefined) this.inFlight.add(receipt);
    const handling = this.handle(message);
    this.handling.add(handling);
    // `then`, not `finally`: three promises fewer per message.
    const settled = () => {
      this.handling.delete(handling);
      if (receipt !== undefined) this.inFlight.delete(receipt);
      if (this.waitingForSlot.length > 0) for (const wake of this.waitingForSlot.splice(0)) wake();
    };
    void handling.then(settled, (error: unknown) => {
      // Commit failures and bad payloads are settled inside; this is a fault of corral's own.
      settled();
      if (message.lastAttempt) {
        this.logger.error({ err: error, subject: message.subject, deliveries: message.deliveryCount }, 'handling a message failed on its last delivery; it is dead-lettered');
        const source = this.bus.subjects.sourceOf(message.subject) ?? 'unknown';
        void this.deadLetter(message, source, 'max-deliveries', `handling failed on each of ${message.deliveryCount} deliveries; last: a fault of corral's own (${error instanceof Error ? error.name : 'error'}, logged)`);
        return;
      }
      this.logger.error({ err: error, subject: message.subject }, 'handling a message failed unexpectedly; it will be redelivered');
      message.retry(this.backoff(message));
    });
  }

  /** Stop intake, then let everything already taken be appended (or committed) and acked before the bus closes. */
  async beforeApplicationShutdown(): Promise<void> {
    // Messages already pulled into the client's buffer still come through the iterator after the
    // stop: wait until every one taken has been handled (appended and acked), then drain the rest.
    await this.bus.stopConsuming();
    await Promise.allSettled([...this.handling]);
    if (!this.inbox.enabled) await this.batcher.drain();
  }

  /** Not async: a first delivery (nearly every message) makes no promise of its own here, only its commit's; a throw comes back as a rejection. */
  private handle(message: InboundMessage): Promise<void> {
    try {
      return this.firstOrRedelivered(message);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private firstOrRedelivered(message: InboundMessage): Promise<void> {
    if (!message.redelivered) return this.process(message);
    this.metrics.redelivered(metricSource(this.bus.subjects.sourceOf(message.subject) ?? 'unknown'));
    // With the inbox a redelivery is simply taken again: its events are exact resends, which the
    // inbox's dedup keys recognise, so nothing is applied twice and no receipt is kept.
    if (this.inbox.enabled || !message.receipt) return this.process(message);
    // A redelivery may be of a message whose effects committed but whose ack was lost: ack it, again.
    return this.alreadyCommitted(message.receipt).then((committed) => {
      if (!committed) return this.process(message);
      this.logger.info({ receipt: message.receipt }, 'redelivered message was already committed; acked without effects');
      message.ack();
    });
  }

  private process(message: InboundMessage): Promise<void> {
    const source = this.bus.subjects.sourceOf(message.subject) ?? 'unknown';
    if (source !== 'canonical' && !isNativeSource(source)) {
      return this.deadLetter(message, source, 'unsupported-source', `no adapter for subject ${message.subject}`);
    }
    if (message.data.length > this.maxBytes) {
      return this.deadLetter(message, source, 'too-large', `message of ${message.data.length} bytes exceeds HTTP_BODY_LIMIT (${this.config.httpBodyLimit})`);
    }
    const decoded = decode(message.data, source === 'canonical' || ADAPTERS[source].format === 'json');
    if (!decoded.ok) return this.deadLetter(message, source, decoded.reason, decoded.detail);

    if (source === 'canonical') {
      const parsed = this.ingest.parse(decoded.value);
      if (!parsed.ok) return this.deadLetter(message, source, 'invalid', parsed.reason);
      return this.settle(message, source, parsed.event.correlationId, () =>
        this.ingest.take([parsed.event], [], this.deliveryOf(message)).then((taken) => {
          const { setAside } = countsOf(taken);
          return { quarantined: setAside, submitted: 1 };
        }),
      );
    }
    const correlationId = randomUUID();
    const checked = this.native.normalize(source, decoded.value, correlationId);
    if (!checked.ok) return this.deadLetter(message, source, 'invalid', checked.reason);
    return this.settle(message, source, correlationId, () => this.native.commit(checked.normalized, this.deliveryOf(message)));
  }

  /** The transport message, as a value for the path (several instances commit its receipt with its effects). */
  private deliveryOf(message: InboundMessage): { receipt?: string; redelivered?: boolean } {
    return message.receipt === undefined ? {} : { receipt: message.receipt, redelivered: message.redelivered };
  }

  private alreadyCommitted(receipt: string): Promise<boolean> {
    return this.receipts.committed(receipt).catch(() => false);
  }

  private settle(message: InboundMessage, source: string, correlationId: string, commit: () => Promise<Committed>): Promise<void> {
    const failed = (error: unknown) => {
      // The runtime logged the cause; an error's own text can quote other senders' rows.
      this.logger.warn({ correlationId, error: error instanceof Error ? error.name : 'error', deliveries: message.deliveryCount }, 'commit failed; message will be redelivered');
      message.retry(this.config.nats.retryDelayMs);
    };
    let committing: Promise<Committed>;
    try {
      committing = commit();
    } catch (error) {
      failed(error);
      return Promise.resolve();
    }
    return committing.then((committed) => this.settleCommitted(message, source, committed), failed);
  }

  /** Committed: acked, unless the runtime set events of it aside; those are dead-lettered alone. */
  private async settleCommitted(message: InboundMessage, source: string, { quarantined, submitted }: Committed): Promise<void> {
    const first = quarantined[0];
    if (!first) return message.ack();
    const { reason, detail } = first.quarantine;
    // Nothing of it was kept (no receipt claimed): dead-lettered and terminated like an invalid message.
    if (quarantined.length === submitted) return this.deadLetter(message, source, reason, detail);
    const which = quarantined.map((q) => `#${q.index}`).join(', ');
    this.metrics.eventsRejected(metricSource(source), quarantined.length);
    // The others are committed (with the message's receipt): the message is acked whatever happens
    // to its dead letter, which a redelivery could no longer write.
    await this.deadLetters
      .record({ reason, source, subject: message.subject, detail: `event(s) ${which} of this message ${detail}; the other ${submitted - quarantined.length} were committed`, data: message.data })
      .catch((error: unknown) => this.logger.error({ err: error, subject: message.subject, reason }, `events ${which} of a committed message could not be dead-lettered`));
    message.ack();
  }

  private backoff(message: InboundMessage): number {
    const { retryDelayMs } = this.config.nats;
    return Math.min(retryDelayMs * 2 ** Math.max(0, message.deliveryCount - 1), Math.max(retryDelayMs, MAX_RETRY_DELAY_MS));
  }

  private async deadLetter(message: InboundMessage, source: string, reason: string, detail: string): Promise<void> {
    this.metrics.eventsRejected(metricSource(source));
    try {
      await this.deadLetters.record({ reason, source, subject: message.subject, detail, data: message.data });
      message.reject(clampText(`${reason}: ${scrubText(detail)}`, 256));
      this.logger.warn({ subject: message.subject, reason }, `dead-lettered: ${scrubText(detail)}`);
    } catch (error) {
      // Without a dead letter written, terminating would lose the message: try again later instead.
      this.logger.error({ err: error }, 'could not write dead letter; message will be redelivered');
      message.retry(this.config.nats.retryDelayMs);
    }
  }
}

/**
 * A metric's `source` label: the subject's tail when corral has an adapter for it, else
 * `unsupported`. Any publisher allowed on `corral.in.>` chooses the tail, and each distinct label
 * value would be a time series kept for the life of the process (the dead letter keeps the subject).
 */
function metricSource(source: string): string {
  return source === 'canonical' || isNativeSource(source) ? source : 'unsupported';
}

function decode(data: Uint8Array, json: boolean): Decoded {
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return { ok: false, reason: 'invalid', detail: 'not UTF-8 JSON: the message is not valid UTF-8' };
  }
  if (!json) return { ok: true, value: text };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    // V8's message quotes the input; the caller scrubs it before it is kept or logged.
    return { ok: false, reason: 'invalid', detail: `not UTF-8 JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
}

import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { Batcher } from '../../actors/batcher.js';
import { scrubText } from '../../correlation/scrub.js';
import { MESSAGE_BUS, type InboundMessage, type MessageBus } from '../bus/message-bus.js';
import { CorralConfig } from '../config/corral-config.js';
import { IngestService } from './ingest.service.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * Consumes `corral.in.>`. A message is acked only after the batch holding its event commits; a
 * failed commit sends it back for redelivery; a message that can never be processed is written to
 * `corral.dlq.<reason>` (scrubbed) and terminated, so it is neither lost nor retried forever.
 */
@Injectable()
export class NatsIntake implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    private readonly ingest: IngestService,
    private readonly batcher: Batcher,
    private readonly config: CorralConfig,
    @InjectPinoLogger(NatsIntake.name) private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.bus.consume((message) => void this.handle(message));
  }

  /** Stop intake, then let everything already taken commit and be acked before the bus closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.bus.stopConsuming();
    await this.batcher.drain();
  }

  private async handle(message: InboundMessage): Promise<void> {
    const source = this.bus.subjects.sourceOf(message.subject);
    if (source !== 'canonical') {
      // Native tool payloads arrive with the source adapters; until then keep them replayable.
      return this.deadLetter(message, 'unsupported-source', `no adapter for subject ${message.subject} yet`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(decoder.decode(message.data));
    } catch (error) {
      return this.deadLetter(message, 'invalid', `not UTF-8 JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
    const parsed = this.ingest.parse(raw);
    if (!parsed.ok) return this.deadLetter(message, 'invalid', parsed.reason);

    const { correlationId } = parsed.event;
    try {
      await this.ingest.submit([parsed.event]);
      message.ack();
    } catch (error) {
      this.logger.warn({ correlationId, err: error, redelivered: message.redelivered }, 'commit failed; message will be redelivered');
      message.retry(this.config.nats.retryDelayMs);
    }
  }

  private async deadLetter(message: InboundMessage, reason: string, detail: string): Promise<void> {
    const body = scrubText(Buffer.from(message.data).toString('utf8'));
    const letter = { reason: detail, subject: message.subject, receivedAt: new Date().toISOString(), body };
    try {
      await this.bus.publish(this.bus.subjects.dlq(reason), encoder.encode(JSON.stringify(letter)));
      message.reject(`${reason}: ${detail}`.slice(0, 256));
      this.logger.warn({ subject: message.subject, reason }, `dead-lettered: ${detail}`);
    } catch (error) {
      // Without a dead letter written, terminating would lose the message: try again later instead.
      this.logger.error({ err: error }, 'could not write dead letter; message will be redelivered');
      message.retry(this.config.nats.retryDelayMs);
    }
  }
}

import { systemClock } from '../../../actors/clock.js';
import { Inject, Injectable } from '@nestjs/common';
import { scrubPayload, scrubText } from '../../../correlation/scrub.js';
import { MESSAGE_BUS, type MessageBus } from '../../bus/message-bus.js';
import { InvalidInputError } from '../../http/domain-errors.js';
import { clampText, withoutControls } from '../unicode.js';
import type { DeadLetterRow } from './dead-letter.entity.js';
import { DeadLetterRepository } from './dead-letter.repository.js';

export interface DeadLetterView {
  id: string;
  reason: string;
  source: string;
  subject: string;
  detail: string;
  receivedAt: string;
  body: string;
  replayedAt: string | null;
  replayOutcome: string | null;
}

export interface DeadLetterPage {
  items: DeadLetterView[];
  nextCursor: string | null;
}

const decoder = new TextDecoder('utf-8');

/**
 * Text PostgreSQL can keep: a control character (a NUL above all, which a text column refuses) in a
 * body that is not JSON, or quoted by a parse error, becomes U+FFFD. Otherwise the letter could never
 * be written, and the message would come back for ever.
 */
const storable = (text: string) => withoutControls(text, '\uFFFD');

/**
 * Where messages that can never be processed go: a row in `dead_letter` (listable and replayable
 * whichever bus is in use) and `corral.dlq.<reason>` for NATS consumers. The body is scrubbed
 * first, and so is the detail, which can quote the payload (a JSON parse error does).
 */
@Injectable()
export class DeadLetterService {
  constructor(
    private readonly letters: DeadLetterRepository,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
  ) {}

  /**
   * `filtered`: the body already passed the privacy filter (an inbox row the correlator set aside).
   * It is kept as it is: scrubbing it again would turn its instants into `[redacted:date]`, and a
   * replay could no longer use it.
   */
  async record(letter: { reason: string; source: string; subject: string; detail: string; data: Uint8Array; filtered?: boolean }): Promise<void> {
    // When it arrived, as the bus and PostgreSQL see time: the system clock.
    const receivedAt = systemClock.now();
    const text = decoder.decode(letter.data);
    const body = storable(letter.filtered ? text : scrubPayload(text));
    const detail = storable(clampText(scrubText(letter.detail), 2000));
    await this.letters.insert({ reason: letter.reason, source: letter.source, subject: letter.subject, detail, body, receivedAt });
    const published = { reason: detail, subject: letter.subject, receivedAt: receivedAt.toISOString(), body };
    await this.bus.publish(this.bus.subjects.dlq(letter.reason), new TextEncoder().encode(JSON.stringify(published)));
  }

  async list(query: { reason?: string | undefined; source?: string | undefined; limit?: string | undefined; cursor?: string | undefined }): Promise<DeadLetterPage> {
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new InvalidInputError('limit must be a whole number from 1 to 500', [{ field: 'limit', problems: ['must be 1..500'] }]);
    if (query.cursor !== undefined && !/^\d{1,18}$/.test(query.cursor)) throw new InvalidInputError('cursor is not one this API gave out', [{ field: 'cursor', problems: ['invalid'] }]);
    const rows = await this.letters.page({ reason: query.reason, source: query.source, before: query.cursor }, limit + 1);
    const page = rows.slice(0, limit);
    return { items: page.map(toView), nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null };
  }
}

export function toView(row: DeadLetterRow): DeadLetterView {
  return {
    id: row.id,
    reason: row.reason,
    source: row.source,
    subject: row.subject,
    detail: row.detail,
    receivedAt: row.receivedAt.toISOString(),
    body: row.body,
    replayedAt: row.replayedAt?.toISOString() ?? null,
    replayOutcome: row.replayOutcome,
  };
}

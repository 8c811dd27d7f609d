import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Clock } from '../../../actors/clock.js';
import { CorralConfig } from '../../config/corral-config.js';
import { performance } from 'node:perf_hooks';
import { assertNever } from '../../../correlation/assert-never.js';
import { InvalidInputError } from '../../http/domain-errors.js';
import { CLOCK } from '../../runtime/tokens.js';
import { ChannelIntake, type ChannelReport } from '../channel-intake.js';
import { AnsweredReports } from './answered-reports.js';
import { within } from './chat-request.js';
import { ChatSystems } from './chat-systems.js';
import { ALREADY_REPLY, FAILED_REPLY, joinedReply, MENTION_USAGE, PENDING_REPLY, REFUSED_REPLY } from './reply-wording.js';
import type { TeamsDelivery } from './teams-activity.js';

/**
 * Teams waits five seconds for the answer, which it shows in the thread: the report gets three to
 * find its incident, and the whole answer four (a slow commit included), after which the person
 * hears that their report is being matched.
 */
const CORRELATION_WAIT_MS = 3_000;
const ANSWER_DEADLINE_MS = 4_000;

/** An outgoing webhook's answer: a message Teams posts as the reply. */
export interface TeamsReply {
  type: 'message';
  text: string;
}

@Injectable()
export class TeamsReports {
  private readonly logger = new Logger('Teams');

  constructor(
    private readonly intake: ChannelIntake,
    private readonly systems: ChatSystems,
    private readonly answered: AnsweredReports,
    private readonly config: CorralConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async answer(delivery: TeamsDelivery, correlationId: string): Promise<TeamsReply> {
    switch (delivery.kind) {
      case 'invalid':
        throw new InvalidInputError(delivery.reason);
      case 'ignored':
      case 'bare-mention':
        return message(MENTION_USAGE);
      case 'report':
        return message(await this.take(delivery.report, correlationId));
      default:
        return assertNever(delivery);
    }
  }

  /**
   * Teams posts whatever is answered within five seconds: "logged" only once the report is
   * durable, its place once correlated; a report not durable in time hears that it could not be
   * confirmed (a resend is one report).
   */
  private async take(report: ChannelReport, correlationId: string): Promise<string> {
    const started = performance.now();
    const keeping = this.intake.keep(report, correlationId);
    const kept = await within(keeping, ANSWER_DEADLINE_MS);
    if (kept.kind !== 'done') {
      keeping.catch(() => undefined);
      this.logger.error('a Teams report could not be kept in time (the inbox full, or the database not answering); its sender was asked to try again');
      return FAILED_REPLY;
    }
    // Teams shows whatever is answered: a report already told its place (a resend, the same person
    // adding detail in the thread) hears that it is logged, not a count that is no longer theirs.
    if (kept.value.kind === 'duplicate' || !this.answered.first(report.id)) return ALREADY_REPLY;
    if (kept.value.kind === 'refused') {
      this.logger.warn(`a Teams message was not taken as a report: ${kept.value.reason}`);
      return REFUSED_REPLY;
    }
    const left = Math.max(0, Math.min(CORRELATION_WAIT_MS, ANSWER_DEADLINE_MS - (performance.now() - started)));
    const done = await within(kept.value.joined(left), left + 250);
    if (done.kind !== 'done') return PENDING_REPLY;
    switch (done.value.kind) {
      case 'joined':
        return joinedReply(this.systems.described(done.value.incident), { timeZone: this.config.channels.teams?.timeZone ?? 'UTC', now: this.clock.now() });
      case 'duplicate':
        return ALREADY_REPLY;
      case 'refused':
        return REFUSED_REPLY;
      case 'pending':
        return PENDING_REPLY;
      default:
        return assertNever(done.value);
    }
  }
}

const message = (text: string): TeamsReply => ({ type: 'message', text });


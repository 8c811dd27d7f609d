import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Clock } from '../../../actors/clock.js';
import { CorralConfig } from '../../config/corral-config.js';
import { assertNever } from '../../../correlation/assert-never.js';
import { commitFailure, InvalidInputError, UnavailableError } from '../../http/domain-errors.js';
import { CLOCK } from '../../runtime/tokens.js';
import { ChannelIntake, type ChannelReport, type ReportOutcome } from '../channel-intake.js';
import { AnsweredReports } from './answered-reports.js';
import { within } from './chat-request.js';
import { ChatSystems } from './chat-systems.js';
import { joinedReply, MENTION_USAGE, PENDING_REPLY, REFUSED_REPLY } from './reply-wording.js';
import type { SlackDelivery, SlackThread } from './slack-events.js';
import { SlackWebApi } from './slack-web-api.js';

/**
 * Slack wants its 200 within three seconds and sends the event again after that. A report is
 * committed in milliseconds; if it could not be kept within this budget, Slack hears an error and
 * sends the event again (its report id makes the retry one report); past it, Slack hears 200 and
 * the reply follows when correlation has answered.
 */
const ACK_BUDGET_MS = 2_000;
/** How long the reply waits for the report's incident before saying it is being matched. */
const CORRELATION_WAIT_MS = 10_000;

export type SlackEventAnswer = { challenge: string } | { ok: true };

/** What an Events API delivery comes to: a report through the intake, and a reply in its thread. */
@Injectable()
export class SlackReports {
  private readonly logger = new Logger('Slack');

  constructor(
    private readonly intake: ChannelIntake,
    private readonly slack: SlackWebApi,
    private readonly systems: ChatSystems,
    private readonly answered: AnsweredReports,
    private readonly config: CorralConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async handle(delivery: SlackDelivery, correlationId: string): Promise<SlackEventAnswer> {
    switch (delivery.kind) {
      case 'challenge':
        return { challenge: delivery.challenge };
      case 'invalid':
        throw new InvalidInputError(delivery.reason);
      case 'ignored':
        return { ok: true };
      case 'rate-limited':
        this.logger.warn('Slack says it is dropping events for this app (app_rate_limited: more than 30,000 in an hour); reports sent meanwhile are not here');
        return { ok: true };
      case 'bare-mention':
        void this.slack.postInThread(delivery.thread, MENTION_USAGE);
        return { ok: true };
      case 'report':
        await this.take(delivery.thread, delivery.report, correlationId);
        return { ok: true };
      default:
        return assertNever(delivery);
    }
  }

  /**
   * Resolves once Slack may hear 200: the report is durable (or refused, or a resend). If it is not
   * durable within the budget, Slack is answered 503 and sends the event again, which the report's
   * id keeps to one report; the reply waits for correlation after Slack was answered.
   */
  private async take(thread: SlackThread, report: ChannelReport, correlationId: string): Promise<void> {
    const keeping = this.intake.keep(report, correlationId);
    const early = await within(keeping, ACK_BUDGET_MS);
    if (early.kind === 'failed') {
      this.logger.error(`a Slack report in channel ${thread.channel} could not be kept; Slack is told to send it again`);
      throw commitFailure(early.error);
    }
    if (early.kind === 'running') {
      keeping.catch(() => undefined);
      this.logger.warn(`a Slack report in channel ${thread.channel} was not durable within ${ACK_BUDGET_MS} ms; Slack is told to send it again`);
      throw new UnavailableError('the report is not durable yet; send it again', 1);
    }
    const kept = early.value;
    if (kept.kind !== 'kept') return void this.reply(thread, report.id, kept);
    void kept.joined(CORRELATION_WAIT_MS).then(
      (outcome) => this.reply(thread, report.id, outcome),
      () => this.reply(thread, report.id, { kind: 'pending' }),
    );
  }

  /** Never rejects: it runs after Slack was answered, with nobody left to hear an error. */
  private async reply(thread: SlackThread, reportId: string, outcome: ReportOutcome): Promise<void> {
    try {
      const text = this.wording(thread, reportId, outcome);
      if (text !== undefined) await this.slack.postInThread(thread, text);
    } catch (error) {
      this.logger.error(`the reply in channel ${thread.channel} was not sent: ${(error as Error).message}`);
    }
  }

  /**
   * What the person is told; a duplicate (a retry, the same message's other event) is told nothing,
   * nor is a report already told its place (the same person adding detail in the thread).
   */
  private wording(thread: SlackThread, reportId: string, outcome: ReportOutcome): string | undefined {
    if (outcome.kind === 'duplicate' || !this.answered.first(reportId)) return undefined;
    switch (outcome.kind) {
      case 'joined':
        return joinedReply(this.systems.described(outcome.incident), { timeZone: this.config.channels.slack?.timeZone ?? 'UTC', now: this.clock.now() });
      case 'pending':
        return PENDING_REPLY;
      case 'refused':
        this.logger.warn(`a Slack message in channel ${thread.channel} was not taken as a report: ${outcome.reason}`);
        return REFUSED_REPLY;
      default:
        return assertNever(outcome);
    }
  }
}


import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { CorralConfig } from '../../config/corral-config.js';
import type { SlackThread } from './slack-events.js';

const ATTEMPTS = 3;
const TIMEOUT_MS = 10_000;
/** Slack asks for a pause with Retry-After (rate limits): honoured up to this long. */
const MAX_PAUSE_MS = 30_000;

/** What an operator does about each error chat.postMessage answers (docs.slack.dev, chat.postMessage "Errors"). */
function whatToFix(error: string, tokenFrom: string): string {
  switch (error) {
    case 'invalid_auth':
    case 'not_authed':
      return `the bot token is not valid: put the app's Bot User OAuth Token (xoxb-…, OAuth & Permissions) in ${tokenFrom}`;
    case 'token_revoked':
    case 'token_expired':
    case 'account_inactive':
      return `the app was removed or its token revoked: reinstall it to the workspace and put the new token in ${tokenFrom}`;
    case 'not_in_channel':
    case 'channel_not_found':
      return 'the app is not a member of this channel: /invite it there (a private channel must invite it to be seen at all)';
    case 'missing_scope':
      return 'the app lacks the chat:write scope: add it under OAuth & Permissions and reinstall the app';
    case 'is_archived':
      return 'the channel is archived';
    case 'restricted_action':
      return "the workspace's settings do not let the app post in this channel";
    default:
      return 'see the error in chat.postMessage\'s documentation';
  }
}

type Attempt = { kind: 'posted' } | { kind: 'refused'; error: string } | { kind: 'retry'; why: string; pauseMs?: number };

/**
 * Slack's Web API, for the one thing corral says: a reply in a thread. Never throws: the report is
 * already taken when this runs, so what goes wrong is logged with what to fix, and a pause Slack
 * asks for, a timeout or a 5xx is tried again a few times.
 */
@Injectable()
export class SlackWebApi {
  private readonly logger = new Logger('Slack');

  constructor(private readonly config: CorralConfig) {}

  async postInThread(thread: SlackThread, text: string): Promise<boolean> {
    const slack = this.config.channels.slack;
    if (!slack) return false;
    let last = '';
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      const outcome = await this.attempt(slack.apiUrl, slack.botToken, thread, text);
      if (outcome.kind === 'posted') return true;
      if (outcome.kind === 'refused') {
        this.logger.error(`chat.postMessage in channel ${thread.channel} refused: ${outcome.error} — ${whatToFix(outcome.error, slack.botTokenFrom)}. The report itself was taken.`);
        return false;
      }
      last = outcome.why;
      if (attempt < ATTEMPTS) await sleep(Math.min(outcome.pauseMs ?? 1_000 * 3 ** (attempt - 1), MAX_PAUSE_MS));
    }
    this.logger.error(`chat.postMessage in channel ${thread.channel} failed ${ATTEMPTS} times (${last}); is ${slack.apiUrl} reachable from corral? The report itself was taken; its reply is not sent.`);
    return false;
  }

  private async attempt(apiUrl: string, token: string, thread: SlackThread, text: string): Promise<Attempt> {
    let response: Response;
    try {
      response = await fetch(`${apiUrl}/chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify({ channel: thread.channel, thread_ts: thread.threadTs, text, unfurl_links: false, unfurl_media: false }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      return { kind: 'retry', why: (error as Error).name === 'TimeoutError' ? `no answer in ${TIMEOUT_MS / 1000} s` : `cannot connect: ${(error as Error).message}` };
    }
    if (response.status === 429) {
      const seconds = Number(response.headers.get('retry-after'));
      return { kind: 'retry', why: 'rate limited', ...(Number.isFinite(seconds) && seconds > 0 ? { pauseMs: seconds * 1000 } : {}) };
    }
    if (response.status >= 500) return { kind: 'retry', why: `HTTP ${response.status}` };
    const answer = (await response.json().catch(() => undefined)) as { ok?: unknown; error?: unknown } | undefined;
    if (answer?.ok === true) return { kind: 'posted' };
    return { kind: 'refused', error: typeof answer?.error === 'string' ? answer.error : `HTTP ${response.status} without Slack's answer` };
  }
}

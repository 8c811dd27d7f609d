import type { ChannelReport } from '../channel-intake.js';
import type { ChatPlace } from './chat-config.js';
import { jsonOf } from './chat-request.js';
import { slackText } from './chat-text.js';

/** Where a reply goes: the channel, and the thread's root message. */
export interface SlackThread {
  channel: string;
  threadTs: string;
}

/** What one Events API delivery asks of corral, read from its JSON (docs.slack.dev, "Event object"). */
export type SlackDelivery =
  /** The Request URL being set up: answer with the challenge. */
  | { kind: 'challenge'; challenge: string }
  | { kind: 'report'; thread: SlackThread; report: ChannelReport }
  /** The app mentioned with nothing said: a usage line back, no report. */
  | { kind: 'bare-mention'; thread: SlackThread }
  | { kind: 'ignored'; why: string }
  /** Slack's notice that it is dropping this app's events (over 30,000 an hour). */
  | { kind: 'rate-limited' }
  /** Not an Events API body at all. */
  | { kind: 'invalid'; reason: string };

/** Message subtypes that are a person writing: a plain message, one also sent to the channel, one with a file. */
const PERSON_SUBTYPES = new Set([undefined, 'thread_broadcast', 'file_share']);

/**
 * An `app_mention` anywhere, or a `message` from a person in a configured channel, is a report.
 * Its id is the thread's root and the person: a retry, the `message` and `app_mention` events of
 * one message, and the same person adding detail in the thread are one report; a colleague
 * answering "same here" in the thread is their own.
 */
export function readSlackDelivery(bytes: Buffer, channels: ReadonlyMap<string, ChatPlace>): SlackDelivery {
  const json = jsonOf(bytes);
  if (!json.ok) return { kind: 'invalid', reason: json.reason };
  const body = json.value;
  if (!isObject(body)) return { kind: 'invalid', reason: 'the body is not a JSON object' };
  if (body.type === 'url_verification') {
    return typeof body.challenge === 'string' && body.challenge !== '' ? { kind: 'challenge', challenge: body.challenge } : { kind: 'invalid', reason: 'url_verification without a challenge' };
  }
  if (body.type === 'app_rate_limited') return { kind: 'rate-limited' };
  if (body.type !== 'event_callback') return { kind: 'ignored', why: `a ${String(body.type)} delivery` };
  const event = body.event;
  if (!isObject(event)) return { kind: 'invalid', reason: 'event_callback without an event object' };
  if (event.type !== 'app_mention' && event.type !== 'message') return { kind: 'ignored', why: `a ${String(event.type)} event` };
  if (event.bot_id !== undefined || !PERSON_SUBTYPES.has(event.subtype as string | undefined)) return { kind: 'ignored', why: 'a bot or system message' };
  const { user, channel, ts } = event;
  const team = typeof body.team_id === 'string' ? body.team_id : event.team;
  if (typeof user !== 'string' || typeof channel !== 'string' || typeof ts !== 'string' || typeof team !== 'string' || !/^\d+\.\d+$/.test(ts)) return { kind: 'ignored', why: 'a message without its user, channel, team or ts' };
  const place = channels.get(channel);
  const mention = event.type === 'app_mention';
  if (!mention && !place) return { kind: 'ignored', why: 'a message in a channel not in slack.channels' };
  const root = typeof event.thread_ts === 'string' && /^\d+\.\d+$/.test(event.thread_ts) ? event.thread_ts : ts;
  const thread = { channel, threadTs: root };
  const text = slackText(typeof event.text === 'string' ? event.text : '');
  if (text === '') return mention ? { kind: 'bare-mention', thread } : { kind: 'ignored', why: 'a message with no words' };
  const report: ChannelReport = {
    id: `slack:${team}:${channel}:${root}:${user}`,
    channel: 'chat',
    via: 'slack',
    text,
    requester: `slack:${team}:${user}`,
    ...(place?.system ? { system: place.system } : {}),
    ...(place?.facility ? { facility: place.facility } : {}),
    occurredAt: new Date(Math.round(Number(ts) * 1000)).toISOString(),
  };
  return { kind: 'report', thread, report };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

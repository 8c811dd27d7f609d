import type { ChannelReport } from '../channel-intake.js';
import type { ChatPlace } from './chat-config.js';
import { jsonOf } from './chat-request.js';
import { teamsText } from './chat-text.js';
import { isObject } from './slack-events.js';

/** What one outgoing-webhook call asks of corral, read from its Bot Framework activity. */
export type TeamsDelivery =
  | { kind: 'report'; report: ChannelReport }
  /** The webhook mentioned with nothing said: a usage line back, no report. */
  | { kind: 'bare-mention' }
  | { kind: 'ignored'; why: string }
  | { kind: 'invalid'; reason: string };

/**
 * Teams calls the webhook only when someone mentions it in a channel, so every message activity is
 * a report. A reply in a thread carries the root in its conversation id
 * (`19:…@thread.tacv2;messageid=<root>`): the id is the thread's root and the person, so the same
 * person adding detail is one report and a colleague's "same here" is their own.
 */
export function readTeamsActivity(bytes: Buffer, channels: ReadonlyMap<string, ChatPlace>): TeamsDelivery {
  const json = jsonOf(bytes);
  if (!json.ok) return { kind: 'invalid', reason: json.reason };
  const body = json.value;
  if (!isObject(body)) return { kind: 'invalid', reason: 'the body is not a JSON object' };
  if (body.type !== 'message') return { kind: 'ignored', why: `a ${String(body.type)} activity` };
  const { id, conversation, from, channelData } = body;
  if (typeof id !== 'string' || id === '' || !isObject(conversation) || typeof conversation.id !== 'string' || !isObject(from)) return { kind: 'invalid', reason: 'a message activity needs id, conversation.id and from' };
  const person = typeof from.aadObjectId === 'string' && from.aadObjectId !== '' ? from.aadObjectId : from.id;
  if (typeof person !== 'string' || person === '') return { kind: 'invalid', reason: 'a message activity needs from.aadObjectId or from.id' };
  const [conversationId = '', ...parts] = conversation.id.split(';');
  const root = parts.map((part) => /^messageid=(.+)$/.exec(part)?.[1]).find((value) => value !== undefined) ?? id;
  const channelId = isObject(channelData) && isObject(channelData.channel) && typeof channelData.channel.id === 'string' ? channelData.channel.id : conversationId;
  const place = channels.get(channelId);
  const text = teamsText(typeof body.text === 'string' ? body.text : '');
  if (text === '') return { kind: 'bare-mention' };
  const sent = typeof body.timestamp === 'string' ? new Date(body.timestamp) : undefined;
  const report: ChannelReport = {
    id: `teams:${conversationId}:${root}:${person}`,
    channel: 'chat',
    via: 'teams',
    text,
    requester: `teams:${person}`,
    ...(place?.system ? { system: place.system } : {}),
    ...(place?.facility ? { facility: place.facility } : {}),
    ...(sent && !Number.isNaN(sent.getTime()) ? { occurredAt: sent.toISOString() } : {}),
  };
  return { kind: 'report', report };
}

import type { ChatPlace } from './chat-config.js';
import { readSlackDelivery } from './slack-events.js';
import { readTeamsActivity } from './teams-activity.js';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const slackChannels = new Map<string, ChatPlace>([['C0123ABC', { facility: 'lakeside', system: 'epic' }]]);
const envelope = (event: Record<string, unknown>) => json({ token: 'XXYYZZ', team_id: 'T123ABC456', api_app_id: 'A123ABC456', type: 'event_callback', event_id: 'Ev123ABC456', event_time: 1795503660, event });
const mention = { type: 'app_mention', user: 'U061F7AUR', text: '<@U0LAN0Z89> Epic is frozen on 4 West', ts: '1795503660.000100', channel: 'C0123ABC', event_ts: '1795503660.000100' };

describe('reading a Slack Events API delivery', () => {
  it('answers url_verification with its challenge', () => {
    expect(readSlackDelivery(json({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' }), slackChannels)).toEqual({ kind: 'challenge', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  });

  it('makes a mention a report of the channel’s place, its id the thread root and the person', () => {
    expect(readSlackDelivery(envelope(mention), slackChannels)).toEqual({
      kind: 'report',
      thread: { channel: 'C0123ABC', threadTs: '1795503660.000100' },
      report: { id: 'slack:T123ABC456:C0123ABC:1795503660.000100:U061F7AUR', channel: 'chat', via: 'slack', text: 'Epic is frozen on 4 West', requester: 'slack:T123ABC456:U061F7AUR', system: 'epic', facility: 'lakeside', occurredAt: '2026-11-24T07:01:00.000Z' },
    });
    // A reply in the thread by the same person is the same report; a colleague's is their own.
    const reply = { ...mention, ts: '1795503720.000200', thread_ts: '1795503660.000100' };
    expect(readSlackDelivery(envelope(reply), slackChannels)).toMatchObject({ thread: { threadTs: '1795503660.000100' }, report: { id: 'slack:T123ABC456:C0123ABC:1795503660.000100:U061F7AUR' } });
    expect(readSlackDelivery(envelope({ ...reply, user: 'U0G9QF9C6' }), slackChannels)).toMatchObject({ report: { id: 'slack:T123ABC456:C0123ABC:1795503660.000100:U0G9QF9C6' } });
    // The same message's `message` event is the same report too.
    expect(readSlackDelivery(envelope({ ...mention, type: 'message', channel_type: 'channel' }), slackChannels)).toMatchObject({ report: { id: 'slack:T123ABC456:C0123ABC:1795503660.000100:U061F7AUR' } });
  });

  it('takes a mention anywhere, but a plain message only in a configured channel', () => {
    expect(readSlackDelivery(envelope({ ...mention, channel: 'C0999ZZZ' }), slackChannels)).toMatchObject({ kind: 'report', report: { id: expect.stringContaining('C0999ZZZ') } });
    expect(readSlackDelivery(envelope({ ...mention, type: 'message', channel: 'C0999ZZZ', text: 'lunch?' }), slackChannels)).toMatchObject({ kind: 'ignored' });
    const noPlace = readSlackDelivery(envelope({ ...mention, channel: 'C0999ZZZ' }), slackChannels);
    expect(noPlace.kind === 'report' && [noPlace.report.facility, noPlace.report.system]).toEqual([undefined, undefined]);
  });

  it('ignores bots, edits and other events; a bare mention asks for words', () => {
    const ignored = [
      { ...mention, bot_id: 'B0123' },
      { ...mention, type: 'message', subtype: 'bot_message' },
      { ...mention, type: 'message', subtype: 'message_changed' },
      { ...mention, type: 'reaction_added' },
      { ...mention, user: undefined },
    ].map((event) => readSlackDelivery(envelope(event), slackChannels).kind);
    expect(ignored).toEqual(['ignored', 'ignored', 'ignored', 'ignored', 'ignored']);
    expect(readSlackDelivery(envelope({ ...mention, text: '<@U0LAN0Z89>  ' }), slackChannels)).toEqual({ kind: 'bare-mention', thread: { channel: 'C0123ABC', threadTs: '1795503660.000100' } });
    expect(readSlackDelivery(json({ type: 'app_rate_limited', team_id: 'T123ABC456', minute_rate_limited: 1518467820 }), slackChannels)).toEqual({ kind: 'rate-limited' });
  });

  it('calls what is not an Events API body invalid, with a reason', () => {
    for (const bytes of [Buffer.from('{"type":'), Buffer.alloc(0), json([1]), json({ type: 'url_verification' }), json({ type: 'event_callback' })]) {
      expect(readSlackDelivery(bytes, slackChannels)).toEqual({ kind: 'invalid', reason: expect.any(String) });
    }
  });
});

describe('reading a Teams outgoing-webhook activity', () => {
  const teamsChannels = new Map<string, ChatPlace>([['19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.tacv2', { facility: 'lakeside' }]]);
  const activity = {
    type: 'message',
    id: '1481567603816',
    timestamp: '2026-11-24T07:03:05.9908157Z',
    channelId: 'msteams',
    from: { id: '29:1XJKJMvc5GBtc2JwZq0oj8tHZmzrQgFmB25ATiQWA85gQtHieVkKilBZ9XHoq9j7Zaqt7CZ-NJWi7me2kHTL3Bw', name: 'Megan Bowen', aadObjectId: '7faf80fb-bd5c-4e5b-8bc6-7ef06a4f5e3b' },
    conversation: { isGroup: true, id: '19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.tacv2;messageid=1481567603816', name: null },
    text: '<at>corral</at> Epic is frozen on 4 West\n',
    channelData: { teamsChannelId: '19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.tacv2', channel: { id: '19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.tacv2' }, tenant: { id: '72f988bf-86f1-41af-91ab-2d7cd011db47' } },
  };

  it('makes a mention a report, the id the thread root and the person, the place the channel’s', () => {
    expect(readTeamsActivity(json(activity), teamsChannels)).toEqual({
      kind: 'report',
      report: { id: 'teams:19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.tacv2:1481567603816:7faf80fb-bd5c-4e5b-8bc6-7ef06a4f5e3b', channel: 'chat', via: 'teams', text: 'Epic is frozen on 4 West', requester: 'teams:7faf80fb-bd5c-4e5b-8bc6-7ef06a4f5e3b', facility: 'lakeside', occurredAt: '2026-11-24T07:03:05.990Z' },
    });
    const inThread = { ...activity, id: '1481567700000' };
    expect(readTeamsActivity(json(inThread), teamsChannels)).toMatchObject({ report: { id: 'teams:19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.tacv2:1481567603816:7faf80fb-bd5c-4e5b-8bc6-7ef06a4f5e3b' } });
    const { aadObjectId: _, ...guest } = activity.from;
    expect(readTeamsActivity(json({ ...activity, from: guest }), teamsChannels)).toMatchObject({ report: { requester: `teams:${guest.id}` } });
  });

  it('answers a bare mention with usage, refuses what is not an activity', () => {
    expect(readTeamsActivity(json({ ...activity, text: '<at>corral</at>&nbsp;' }), teamsChannels)).toEqual({ kind: 'bare-mention' });
    for (const bytes of [Buffer.from('not json'), json({ type: 'message', id: '1' }), json('x')]) expect(readTeamsActivity(bytes, teamsChannels)).toMatchObject({ kind: 'invalid' });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChatSections, SLACK_API_URL } from './chat-config.js';

const env = { SLACK_SIGNING: '8f742231b10e8888abcd99yyyzzz85a5', SLACK_BOT: 'xoxb-1234-5678-abcdef', TEAMS_TOKEN: 'vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA=' };

describe('the slack: and teams: sections of the channels file', () => {
  it('reads both, secrets from the variables and files they name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-chat-config-'));
    const file = join(dir, 'bot-token');
    writeFileSync(file, 'xoxb-from-a-file\n');
    const problems: string[] = [];
    const parsed = parseChatSections(
      { signingSecretEnv: 'SLACK_SIGNING', botTokenFile: file, channels: { C0123ABC: { facility: 'lakeside', system: 'epic' } }, timeZone: 'America/Chicago' },
      { securityTokenEnv: 'TEAMS_TOKEN', channels: { '19:abc@thread.tacv2': { facility: 'overlake' } } },
      env,
      problems,
    );
    rmSync(dir, { recursive: true });
    expect(problems).toEqual([]);
    expect(parsed.slack).toMatchObject({ signingSecret: env.SLACK_SIGNING, botToken: 'xoxb-from-a-file', botTokenFrom: `the file ${file}`, apiUrl: SLACK_API_URL, timeZone: 'America/Chicago' });
    expect([...(parsed.slack?.channels ?? [])]).toEqual([['C0123ABC', { facility: 'lakeside', system: 'epic' }]]);
    expect(parsed.teams?.securityToken.toString('base64')).toBe(env.TEAMS_TOKEN);
    expect(parsed.teams?.timeZone).toBe('UTC');
    expect(parsed.teams?.channels.get('constructor')).toBeUndefined();
  });

  it('names every key that is wrong, and turns nothing on', () => {
    const problems: string[] = [];
    const parsed = parseChatSections(
      { signingSecret: 'in-the-file', botTokenEnv: 'SLACK_SIGNING', apiUrl: 'slack.com', channels: { general: { facility: 'Lake side' }, C0123ABC: {} }, timeZone: 'Mars/Olympus' },
      { securityTokenEnv: 'NOT_SET', channels: [] },
      env,
      problems,
    );
    expect(parsed).toEqual({});
    expect(problems).toEqual([
      'slack.signingSecret: unknown key (keys: signingSecretEnv, signingSecretFile, botTokenEnv, botTokenFile, apiUrl, channels, timeZone)',
      'slack.signingSecretEnv: is required (or signingSecretFile): the secret never sits in the channels file',
      'slack.botTokenEnv: must hold the Bot User OAuth Token, which starts with xoxb- (OAuth & Permissions)',
      'slack.apiUrl: must be an http(s) URL such as https://slack.com/api, got "slack.com"',
      'slack.channels.general: is not a Slack channel id such as C0123ABC (channel details → About, at the bottom)',
      'slack.channels.general.facility: must be a code as corral\'s rules name it (such as lakeside, epic), got "Lake side"',
      'slack.channels.general: names neither a facility nor a system',
      'slack.channels.C0123ABC: names neither a facility nor a system',
      'slack.timeZone: must be an IANA time zone such as America/Chicago, got "Mars/Olympus"',
      'teams.securityTokenEnv: names NOT_SET, which is not set',
      'teams.channels: must map channel ids to { facility, system }',
    ]);
    const more: string[] = [];
    parseChatSections('yes', { securityTokenEnv: 'SLACK_BOT' }, env, more);
    expect(more).toEqual([expect.stringMatching(/^slack: must be a mapping/), expect.stringMatching(/^teams\.securityTokenEnv: must hold the security token/)]);
  });
});

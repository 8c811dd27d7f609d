import { CODE } from '../../../correlation/privacy.js';
import { secretOf, zoneOf, type Fail } from '../channel-settings.js';

/** Where a chat channel's reports come from: the facility its people work at, the system it is about. */
export interface ChatPlace {
  facility?: string;
  system?: string;
}

/** The `slack:` section of the channels file: a Slack app (Events API, `/corral` slash command). */
export interface SlackChannelConfig {
  /** Signs every request Slack sends (Basic Information → Signing Secret). */
  signingSecret: string;
  /** The Bot User OAuth Token (`xoxb-…`) the thread replies are posted with. */
  botToken: string;
  /** Where the token came from (`the variable X`, `the file Y`), for log lines that say what to fix. */
  botTokenFrom: string;
  /** Slack's Web API; tests point it at a local stand-in. */
  apiUrl: string;
  /** Channel id → place: every message in these channels is a report; a mention of the app anywhere is one. */
  channels: ReadonlyMap<string, ChatPlace>;
  /** The zone "known since 07:02" is said in (an IANA name). */
  timeZone: string;
}

/** The `teams:` section: a Teams outgoing webhook (a mention of it in a channel is a report). */
export interface TeamsChannelConfig {
  /** The HMAC key: the security token Teams showed when the webhook was created, base64-decoded. */
  securityToken: Buffer;
  timeZone: string;
  /** Channel id (`19:…@thread.tacv2`) → place. */
  channels: ReadonlyMap<string, ChatPlace>;
}

export const SLACK_API_URL = 'https://slack.com/api';

const SLACK_KEYS = ['signingSecretEnv', 'signingSecretFile', 'botTokenEnv', 'botTokenFile', 'apiUrl', 'channels', 'timeZone'];
const TEAMS_KEYS = ['securityTokenEnv', 'securityTokenFile', 'channels', 'timeZone'];
const PLACE_KEYS = ['facility', 'system'];
/** Slack conversation ids: C (public channel), G (private channel or group), D (direct message). */
const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
/** Teams channel ids as channelData.channel.id carries them. */
const TEAMS_CHANNEL_ID = /^19:[^\s;]+@thread\.[a-z0-9]+$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;


/**
 * Checks both sections, each key by name. Secrets come from the variable or the file a key names,
 * never from the channels file itself: it is read by people who must not be able to sign requests.
 */
export function parseChatSections(slack: unknown, teams: unknown, env: NodeJS.ProcessEnv, problems: string[]): { slack?: SlackChannelConfig; teams?: TeamsChannelConfig } {
  const parsedSlack = slack === undefined ? undefined : parseSlack(slack, env, problems);
  const parsedTeams = teams === undefined ? undefined : parseTeams(teams, env, problems);
  return { ...(parsedSlack ? { slack: parsedSlack } : {}), ...(parsedTeams ? { teams: parsedTeams } : {}) };
}

function parseSlack(raw: unknown, env: NodeJS.ProcessEnv, problems: string[]): SlackChannelConfig | undefined {
  const before = problems.length;
  const fail: Fail = (key, problem) => problems.push(`slack.${key}: ${problem}`);
  const section = mapping(raw, 'slack', SLACK_KEYS, problems);
  if (!section) return undefined;
  const signing = secretOf(section, 'signingSecret', env, fail);
  if (signing && signing.value.length < 16) fail(signing.key, "is too short for a Slack signing secret (Basic Information → App Credentials → Signing Secret, 32 characters)");
  const token = secretOf(section, 'botToken', env, fail);
  if (token && !token.value.startsWith('xoxb-')) fail(token.key, 'must hold the Bot User OAuth Token, which starts with xoxb- (OAuth & Permissions)');
  const apiUrl = section.apiUrl === undefined ? SLACK_API_URL : urlOf(section.apiUrl, fail);
  const channels = placesOf(section.channels, SLACK_CHANNEL_ID, 'a Slack channel id such as C0123ABC (channel details → About, at the bottom)', fail);
  const timeZone = zoneOf(section.timeZone, fail);
  if (problems.length > before || !signing || !token) return undefined;
  return { signingSecret: signing.value, botToken: token.value, botTokenFrom: token.from, apiUrl: apiUrl ?? SLACK_API_URL, channels, timeZone };
}

function parseTeams(raw: unknown, env: NodeJS.ProcessEnv, problems: string[]): TeamsChannelConfig | undefined {
  const before = problems.length;
  const fail: Fail = (key, problem) => problems.push(`teams.${key}: ${problem}`);
  const section = mapping(raw, 'teams', TEAMS_KEYS, problems);
  if (!section) return undefined;
  const token = secretOf(section, 'securityToken', env, fail);
  const key = token ? Buffer.from(token.value, 'base64') : undefined;
  if (token && (!BASE64.test(token.value) || (key?.length ?? 0) < 16)) fail(token.key, 'must hold the security token Teams showed when the outgoing webhook was created (base64, such as vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA=)');
  const channels = placesOf(section.channels, TEAMS_CHANNEL_ID, 'a Teams channel id such as 19:abc…@thread.tacv2 (channel → Get link to channel)', fail);
  const timeZone = zoneOf(section.timeZone, fail);
  if (problems.length > before || !key) return undefined;
  return { securityToken: key, timeZone, channels };
}

function mapping(raw: unknown, name: string, keys: string[], problems: string[]): Record<string, unknown> | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(`${name}: must be a mapping (keys: ${keys.join(', ')})`);
    return undefined;
  }
  const section = raw as Record<string, unknown>;
  for (const key of Object.keys(section)) if (!keys.includes(key)) problems.push(`${name}.${key}: unknown key (keys: ${keys.join(', ')})`);
  return section;
}

function urlOf(value: unknown, fail: Fail): string | undefined {
  if (typeof value === 'string' && /^https?:\/\/[^\s/]+/.test(value)) return value.replace(/\/+$/, '');
  fail('apiUrl', `must be an http(s) URL such as ${SLACK_API_URL}, got ${JSON.stringify(value)}`);
  return undefined;
}

function placesOf(value: unknown, idShape: RegExp, idHint: string, fail: Fail): ReadonlyMap<string, ChatPlace> {
  const places = new Map<string, ChatPlace>();
  if (value === undefined) return places;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail('channels', 'must map channel ids to { facility, system }');
    return places;
  }
  for (const [id, raw] of Object.entries(value as Record<string, unknown>)) {
    const at = `channels.${id}`;
    if (!idShape.test(id)) fail(at, `is not ${idHint}`);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      fail(at, 'must be { facility: <code>, system: <code> } (either or both)');
      continue;
    }
    const place: ChatPlace = {};
    for (const [key, code] of Object.entries(raw as Record<string, unknown>)) {
      if (!PLACE_KEYS.includes(key)) fail(`${at}.${key}`, `unknown key (keys: ${PLACE_KEYS.join(', ')})`);
      else if (typeof code !== 'string' || !CODE.test(code)) fail(`${at}.${key}`, `must be a code as corral's rules name it (such as lakeside, epic), got ${JSON.stringify(code)}`);
      else place[key as keyof ChatPlace] = code;
    }
    if (!place.facility && !place.system) fail(at, 'names neither a facility nor a system');
    places.set(id, place);
  }
  return places;
}

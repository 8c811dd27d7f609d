import { parseDuration } from '../../../correlation/rules.js';
import { secretOf, zoneOf } from '../channel-settings.js';

/** The `knownIssues:` section of the channels file: the clinicians' page of active problems. */
export interface KnownIssuesConfig {
  /** Signs the links that open the page without a key; absent: only callers with a key see it. */
  linkSecret?: string;
  /** How long a link minted without its own expiry works. */
  linkTtlMs: number;
  /** The zone "since 07:02" is said in (an IANA name). */
  timeZone: string;
  /** How long a resolved problem stays on the page, marked fixed, so the next caller learns it is over. */
  showResolvedMs: number;
}

export const DEFAULT_KNOWN_ISSUES: KnownIssuesConfig = { linkTtlMs: 30 * 86_400_000, timeZone: 'UTC', showResolvedMs: 2 * 3_600_000 };

const KEYS = ['linkSecretEnv', 'linkSecretFile', 'linkTtl', 'timeZone', 'showResolvedFor'];

export function parseKnownIssuesSection(raw: unknown, env: NodeJS.ProcessEnv, problems: string[]): KnownIssuesConfig {
  if (raw === undefined || raw === null) return DEFAULT_KNOWN_ISSUES;
  const fail = (key: string, problem: string) => problems.push(`knownIssues.${key}: ${problem}`);
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push('knownIssues: must be a mapping (keys: ' + KEYS.join(', ') + ')');
    return DEFAULT_KNOWN_ISSUES;
  }
  const section = raw as Record<string, unknown>;
  for (const key of Object.keys(section)) if (!KEYS.includes(key)) fail(key, `unknown key (keys: ${KEYS.join(', ')})`);
  const config: KnownIssuesConfig = { ...DEFAULT_KNOWN_ISSUES };
  // Optional: without it, the page opens only with a key. It signs access: at least 32 characters.
  const secret = secretOf(section, 'linkSecret', env, fail, true);
  if (secret && secret.value.length < 32) fail(secret.key, 'the secret must be at least 32 characters (e.g. `openssl rand -hex 32`)');
  else if (secret) config.linkSecret = secret.value;
  const ttl = durationOf(section.linkTtl, 'linkTtl', fail);
  if (ttl !== undefined) config.linkTtlMs = ttl;
  const shown = durationOf(section.showResolvedFor, 'showResolvedFor', fail);
  if (shown !== undefined) config.showResolvedMs = shown;
  config.timeZone = zoneOf(section.timeZone, fail);
  return config;
}

function durationOf(value: unknown, key: string, fail: (key: string, problem: string) => void): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined || ms <= 0) fail(key, `must be a duration such as 2h or 30d, got ${JSON.stringify(value)}`);
  return ms;
}

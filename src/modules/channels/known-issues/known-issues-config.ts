import { readFileSync } from 'node:fs';
import { parseDuration } from '../../../correlation/rules.js';

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
  const secret = secretOf(section, env, fail);
  if (secret !== undefined) config.linkSecret = secret;
  const ttl = durationOf(section.linkTtl, 'linkTtl', fail);
  if (ttl !== undefined) config.linkTtlMs = ttl;
  const shown = durationOf(section.showResolvedFor, 'showResolvedFor', fail);
  if (shown !== undefined) config.showResolvedMs = shown;
  if (section.timeZone !== undefined) {
    if (typeof section.timeZone !== 'string' || !validZone(section.timeZone)) fail('timeZone', `must be an IANA time zone such as America/Chicago, got ${JSON.stringify(section.timeZone)}`);
    else config.timeZone = section.timeZone;
  }
  return config;
}

/** The link secret from the variable or file named, never from the file itself (it signs access). */
function secretOf(section: Record<string, unknown>, env: NodeJS.ProcessEnv, fail: (key: string, problem: string) => void): string | undefined {
  let secret: string | undefined;
  if (section.linkSecretEnv !== undefined && section.linkSecretFile !== undefined) {
    fail('linkSecretEnv', 'give linkSecretEnv or linkSecretFile, not both');
    return undefined;
  }
  if (typeof section.linkSecretEnv === 'string') {
    secret = env[section.linkSecretEnv]?.trim();
    if (!secret) fail('linkSecretEnv', `the variable ${section.linkSecretEnv} is not set`);
  } else if (typeof section.linkSecretFile === 'string') {
    try {
      secret = readFileSync(section.linkSecretFile, 'utf8').trim();
    } catch (error) {
      fail('linkSecretFile', `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
  } else if (section.linkSecretEnv !== undefined || section.linkSecretFile !== undefined) {
    fail('linkSecretEnv', 'must name an environment variable (or linkSecretFile a file) holding the secret');
  }
  if (secret !== undefined && secret.length < 32) {
    fail(section.linkSecretEnv !== undefined ? 'linkSecretEnv' : 'linkSecretFile', 'the secret must be at least 32 characters (e.g. `openssl rand -hex 32`)');
    return undefined;
  }
  return secret;
}

function durationOf(value: unknown, key: string, fail: (key: string, problem: string) => void): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined || ms <= 0) fail(key, `must be a duration such as 2h or 30d, got ${JSON.stringify(value)}`);
  return ms;
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

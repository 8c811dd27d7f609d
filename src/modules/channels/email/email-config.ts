import { readFileSync } from 'node:fs';
import { parseDuration } from '../../../correlation/rules.js';

/**
 * How the connection is protected: `true` is TLS from the first byte (IMAPS, port 993); `starttls`
 * is a cleartext connection that must upgrade before the login (port 143); `false` is cleartext
 * throughout, allowed only for a server on this machine.
 */
export type EmailTls = true | 'starttls' | false;

/** The `email:` section of the channels file: a shared mailbox read over IMAP. */
export interface EmailChannelConfig {
  host: string;
  port: number;
  tls: EmailTls;
  user: string;
  /** From `passwordEnv` or `passwordFile`: never in the channels file, never logged. */
  password: string;
  /** Where reports arrive. */
  mailbox: string;
  /** Where a message goes once its report is kept (or once it is known to be an automatic reply). */
  processedMailbox: string;
  /** Where a message goes that corral cannot take as a report (the reason is logged). */
  failedMailbox: string;
  /** How often the mailbox is read anyway, in case IDLE is not offered or silently stops. */
  pollMs: number;
  /** Sender domain → facility (`lakeside.example: lakeside`), for reports that name none. */
  facilityByDomain: Record<string, string>;
  /** A report's text at most (subject and body), in characters. */
  maxChars: number;
}

const KEYS = ['host', 'port', 'tls', 'user', 'passwordEnv', 'passwordFile', 'mailbox', 'processedMailbox', 'failedMailbox', 'poll', 'facilityByDomain', 'maxChars'];
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const DOMAIN = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/i;
const FACILITY = /^[A-Za-z0-9][\w.-]{0,63}$/;

export function parseEmailSection(raw: unknown, env: NodeJS.ProcessEnv, problems: string[]): EmailChannelConfig | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push('email: must be a mapping (host, user, passwordEnv, …)');
    return undefined;
  }
  const section = raw as Record<string, unknown>;
  const before = problems.length;
  const fail = (key: string, problem: string) => problems.push(`email.${key}: ${problem}`);
  for (const key of Object.keys(section)) if (!KEYS.includes(key)) fail(key, `unknown key (keys: ${KEYS.join(', ')})`);

  const text = (key: string, fallback?: string): string => {
    const value = section[key];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
    fail(key, value === undefined ? 'is required' : 'must be a non-empty string');
    return fallback ?? '';
  };

  const host = text('host');
  const tls = tlsOf(section.tls, fail);
  if (tls === false && host !== '' && !LOOPBACK.has(host.toLowerCase())) {
    fail('tls', `false sends the mailbox password in the clear; it is only allowed for a server on this machine (127.0.0.1, ::1, localhost), not ${host}: use tls: true (IMAPS, 993) or tls: starttls (143)`);
  }
  const port = portOf(section.port, tls, fail);
  const user = text('user');
  const password = passwordOf(section, env, fail);
  const mailbox = text('mailbox', 'INBOX');
  const processedMailbox = text('processedMailbox', 'corral/processed');
  const failedMailbox = text('failedMailbox', 'corral/failed');
  const folders = [mailbox, processedMailbox, failedMailbox].map((m) => m.toLowerCase());
  if (new Set(folders).size < folders.length) fail('processedMailbox', 'mailbox, processedMailbox and failedMailbox must be three different folders');
  const pollMs = pollOf(section.poll, fail);
  const facilityByDomain = facilitiesOf(section.facilityByDomain, fail);
  const maxChars = maxCharsOf(section.maxChars, fail);
  if (problems.length > before) return undefined;
  return { host, port, tls, user, password, mailbox, processedMailbox, failedMailbox, pollMs, facilityByDomain, maxChars };
}

type Fail = (key: string, problem: string) => void;

function tlsOf(value: unknown, fail: Fail): EmailTls {
  if (value === undefined || value === true) return true;
  if (value === false || value === 'starttls') return value;
  fail('tls', 'must be true (IMAPS, port 993), starttls (port 143, upgraded before the login) or false (a server on this machine only)');
  return true;
}

function portOf(value: unknown, tls: EmailTls, fail: Fail): number {
  if (value === undefined) return tls === true ? 993 : 143;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535) return value;
  fail('port', 'must be a port number 1–65535 (993 for tls: true, 143 otherwise)');
  return 0;
}

/** The password from the variable `passwordEnv` names or the file `passwordFile` names (a mounted secret). */
function passwordOf(section: Record<string, unknown>, env: NodeJS.ProcessEnv, fail: Fail): string {
  const { passwordEnv, passwordFile } = section;
  if (passwordEnv !== undefined && passwordFile !== undefined) {
    fail('passwordEnv', 'and passwordFile are both set: give one');
    return '';
  }
  if (typeof passwordEnv === 'string' && passwordEnv !== '') {
    const password = env[passwordEnv];
    if (!password) fail('passwordEnv', `names ${passwordEnv}, which is not set`);
    return password ?? '';
  }
  if (typeof passwordFile === 'string' && passwordFile !== '') {
    try {
      const password = readFileSync(passwordFile, 'utf8').trim();
      if (password === '') fail('passwordFile', `${passwordFile} is empty`);
      return password;
    } catch (error) {
      fail('passwordFile', `${passwordFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return '';
    }
  }
  if (passwordEnv !== undefined) fail('passwordEnv', 'must name an environment variable');
  else if (passwordFile !== undefined) fail('passwordFile', 'must be a file path');
  else fail('passwordEnv', 'or passwordFile is required: the mailbox password (or app password) never sits in the channels file');
  return '';
}

function pollOf(value: unknown, fail: Fail): number {
  if (value === undefined) return 60_000;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms !== undefined && ms >= 1_000 && ms <= 3_600_000) return ms;
  fail('poll', 'must be a duration between 1s and 1h, such as 60s');
  return 60_000;
}

function facilitiesOf(value: unknown, fail: Fail): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    fail('facilityByDomain', 'must map sender domains to facilities, such as { lakeside.example: lakeside }');
    return {};
  }
  const map: Record<string, string> = {};
  for (const [domain, facility] of Object.entries(value)) {
    if (!DOMAIN.test(domain)) fail(`facilityByDomain.${domain}`, 'is not a domain name (such as lakeside.example)');
    else if (typeof facility !== 'string' || !FACILITY.test(facility)) fail(`facilityByDomain.${domain}`, 'must be a facility code (letters, digits, . _ -), as the rules name it');
    else map[domain.toLowerCase()] = facility;
  }
  return map;
}

function maxCharsOf(value: unknown, fail: Fail): number {
  if (value === undefined) return 4_000;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 100 && value <= 100_000) return value;
  fail('maxChars', 'must be a whole number between 100 and 100000');
  return 4_000;
}

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseDuration } from '../../correlation/rules.js';
import { systemMatches } from '../../correlation/routing.js';

export const TICKET_FORMATS = ['corral', 'servicenow', 'jsm'] as const;
export const ONCALL_FORMATS = ['json', 'slack', 'teams'] as const;
export type WebhookFormat = (typeof TICKET_FORMATS)[number] | (typeof ONCALL_FORMATS)[number];

export interface WebhookTarget {
  name: string;
  url: string;
  format: WebhookFormat;
  /** HMAC-SHA256 key for the signature header; required for ticket webhooks. */
  secret?: string;
  /** Queues whose tickets go here (`*` for all, `facility-desk.*` for a family). */
  queues: string[];
  timeoutMs: number;
  maxAttempts: number;
  /** Jira Service Management project key, for the `jsm` format. */
  projectKey?: string;
  /** On-call channels: the priorities paged as their ticket opens, before any escalation step (P1 unless set). */
  pageOn?: string[];
}

/** Helpdesks corral writes tickets into through their own API (connectors/). */
export const HELPDESK_KINDS = ['rt', 'servicenow', 'jsm'] as const;
export type HelpdeskKind = (typeof HELPDESK_KINDS)[number];

export interface HelpdeskTarget {
  name: string;
  kind: HelpdeskKind;
  /** The helpdesk's base URL (RT: where its web UI is; REST2 is under /REST/2.0). */
  url: string;
  /** The API credential, from `tokenEnv` or `tokenFile`: never in the file, never logged. */
  token: string;
  /** corral queues whose tickets go here (`*` for all). */
  queues: string[];
  /** corral queue → the helpdesk's own queue (`*` for every other); without an entry, the corral queue's name. */
  queueMap: Record<string, string>;
  timeoutMs: number;
  maxAttempts: number;
  /** With it, HTTP basic: this account and the secret (ServiceNow's integration user, Jira's account e-mail with an API token). */
  user?: string;
  /** Jira Service Management: the service desk's id, and the request type for queues `queueMap` does not map. */
  serviceDesk?: string;
  requestType?: string;
  /** Jira: the issue link type that ties a report's request to the incident's (default `Relates`). */
  linkType?: string;
  /** ServiceNow: the `close_code` a resolve sets (default `Solution provided`; instances rename them). */
  closeCode?: string;
  /** How often to ask the helpdesk for the status of corral's tickets, where it cannot call back (absent: never). */
  pollMs?: number;
}

export interface HelpdeskConfig {
  webhooks: WebhookTarget[];
  oncall: WebhookTarget[];
  helpdesks: HelpdeskTarget[];
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Where people reach corral: links in escalation messages. */
  publicUrl: string;
}

export const NATS_DESTINATION = 'nats';

/** Every problem of the helpdesk file at once; loadConfig reports them beside the environment's. */
export class HelpdeskConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid helpdesk configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads the helpdesk file (CORRAL_HELPDESK_FILE): webhooks for tickets and on-call channels for
 * escalations. Secrets are never in the file: `secretEnv` names the variable that holds one.
 */
export function loadHelpdeskConfig(file: string | undefined, publicUrl: string, env: NodeJS.ProcessEnv): HelpdeskConfig {
  const empty: HelpdeskConfig = { webhooks: [], oncall: [], helpdesks: [], backoffBaseMs: 1000, backoffMaxMs: 300_000, publicUrl };
  if (!file) return empty;
  let document: Record<string, unknown>;
  try {
    document = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw new HelpdeskConfigError([`${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`]);
  }
  const problems: string[] = [];
  const targets = (section: 'webhooks' | 'oncall', formats: readonly string[]) => {
    const list = document[section] ?? [];
    if (!Array.isArray(list)) {
      problems.push(`${file}: "${section}" must be a list`);
      return [];
    }
    return list.flatMap((raw: Record<string, unknown>, index): WebhookTarget[] => {
      const where = `${file}: ${section}[${index}]${typeof raw.name === 'string' ? ` (${raw.name})` : ''}`;
      const fail = (field: string, message: string) => problems.push(`${where}: field "${field}" ${message}`);
      const name = typeof raw.name === 'string' && /^[a-z0-9_-]+$/.test(raw.name) ? raw.name : (fail('name', 'must be lower-case letters, digits, - or _'), '');
      const url = typeof raw.url === 'string' && /^https?:\/\//.test(raw.url) ? raw.url : (fail('url', 'must be an http(s) URL'), '');
      const format = typeof raw.format === 'string' && formats.includes(raw.format) ? (raw.format as WebhookFormat) : (fail('format', `must be one of ${formats.join(', ')}`), 'json');
      const secretEnv = raw.secretEnv;
      const secret = typeof secretEnv === 'string' ? env[secretEnv] : undefined;
      if (typeof secretEnv === 'string' && !secret) fail('secretEnv', `names ${secretEnv}, which is not set`);
      if (section === 'webhooks' && secretEnv === undefined) fail('secretEnv', 'is required: ticket webhooks are signed');
      const queues = Array.isArray(raw.queues) && raw.queues.every((q) => typeof q === 'string') ? (raw.queues) : ['*'];
      const timeoutMs = raw.timeout === undefined ? 5000 : typeof raw.timeout === 'string' ? parseDuration(raw.timeout) : undefined;
      if (timeoutMs === undefined) fail('timeout', 'must be a duration such as 5s');
      const maxAttempts = raw.maxAttempts === undefined ? 12 : typeof raw.maxAttempts === 'number' && raw.maxAttempts >= 1 ? raw.maxAttempts : (fail('maxAttempts', 'must be a whole number ≥ 1'), 1);
      if (format === 'jsm' && typeof raw.projectKey !== 'string') fail('projectKey', 'is required for the jsm format');
      const pageOn = raw.pageOn === undefined ? ['P1'] : Array.isArray(raw.pageOn) && raw.pageOn.every((p) => typeof p === 'string' && /^P[1-4]$/.test(p)) ? (raw.pageOn as string[]) : (fail('pageOn', 'must list priorities such as [P1, P2]'), []);
      return [
        {
          name,
          url,
          format,
          queues,
          timeoutMs: timeoutMs ?? 5000,
          maxAttempts,
          ...(secret ? { secret } : {}),
          ...(typeof raw.projectKey === 'string' ? { projectKey: raw.projectKey } : {}),
          ...(section === 'oncall' ? { pageOn } : {}),
        },
      ];
    });
  };
  const webhooks = targets('webhooks', TICKET_FORMATS);
  const oncall = targets('oncall', ONCALL_FORMATS);
  const helpdesks = helpdeskTargets(document.helpdesks, file, env, problems);
  const relay = (document.relay ?? {}) as Record<string, unknown>;
  const duration = (field: string, fallback: number) => {
    const value = relay[field];
    const ms = value === undefined ? fallback : typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined) problems.push(`${file}: relay.${field} must be a duration such as 1s`);
    return ms ?? fallback;
  };
  const config = { webhooks, oncall, helpdesks, backoffBaseMs: duration('backoffBase', 1000), backoffMaxMs: duration('backoffMax', 300_000), publicUrl };
  if (problems.length > 0) throw new HelpdeskConfigError(problems);
  return config;
}

/**
 * The `helpdesks` section: helpdesks written through their own API. The credential is read from
 * the variable `tokenEnv` names or the file `tokenFile` names (a mounted secret), never from here.
 */
function helpdeskTargets(list: unknown, file: string, env: NodeJS.ProcessEnv, problems: string[]): HelpdeskTarget[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    problems.push(`${file}: "helpdesks" must be a list`);
    return [];
  }
  return list.flatMap((raw: Record<string, unknown>, index): HelpdeskTarget[] => {
    const where = `${file}: helpdesks[${index}]${typeof raw.name === 'string' ? ` (${raw.name})` : ''}`;
    const fail = (field: string, message: string) => problems.push(`${where}: field "${field}" ${message}`);
    const name = typeof raw.name === 'string' && /^[a-z0-9_-]+$/.test(raw.name) ? raw.name : (fail('name', 'must be lower-case letters, digits, - or _'), '');
    const kind = typeof raw.kind === 'string' && (HELPDESK_KINDS as readonly string[]).includes(raw.kind) ? (raw.kind as HelpdeskKind) : (fail('kind', `must be one of ${HELPDESK_KINDS.join(', ')}`), 'rt');
    const url = typeof raw.url === 'string' && /^https?:\/\//.test(raw.url) ? raw.url.replace(/\/+$/, '') : (fail('url', 'must be an http(s) URL'), '');
    let token: string | undefined;
    if (typeof raw.tokenEnv === 'string') {
      token = env[raw.tokenEnv];
      if (!token) fail('tokenEnv', `names ${raw.tokenEnv}, which is not set`);
    } else if (typeof raw.tokenFile === 'string') {
      try {
        token = readFileSync(raw.tokenFile, 'utf8').trim();
      } catch (error) {
        fail('tokenFile', `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      }
      if (token === '') fail('tokenFile', 'is empty');
    } else fail('tokenEnv', 'or "tokenFile" is required: the API credential never sits in this file');
    const queues = Array.isArray(raw.queues) && raw.queues.every((q) => typeof q === 'string') ? raw.queues : ['*'];
    const map = raw.queueMap ?? {};
    const queueMap: Record<string, string> = {};
    if (typeof map !== 'object' || map === null || Array.isArray(map)) fail('queueMap', 'must map corral queues to the helpdesk\'s queue names');
    else
      for (const [from, to] of Object.entries(map)) {
        if (typeof to === 'string' && to !== '') queueMap[from] = to;
        else fail(`queueMap.${from}`, 'must be a queue name');
      }
    const timeoutMs = raw.timeout === undefined ? 10_000 : typeof raw.timeout === 'string' ? parseDuration(raw.timeout) : undefined;
    if (timeoutMs === undefined) fail('timeout', 'must be a duration such as 10s');
    const maxAttempts = raw.maxAttempts === undefined ? 20 : typeof raw.maxAttempts === 'number' && raw.maxAttempts >= 1 ? raw.maxAttempts : (fail('maxAttempts', 'must be a whole number ≥ 1'), 1);
    const optional = (field: string): string | undefined => {
      const value = raw[field];
      if (value === undefined) return undefined;
      if (typeof value === 'string' && value.trim() !== '') return value.trim();
      fail(field, 'must be a non-empty string');
      return undefined;
    };
    const extra = { user: optional('user'), serviceDesk: optional('serviceDesk'), requestType: optional('requestType'), linkType: optional('linkType'), closeCode: optional('closeCode') };
    if (kind === 'jsm') {
      if (!extra.user) fail('user', 'is required for jsm: the Atlassian account e-mail its API token belongs to');
      if (!extra.serviceDesk) fail('serviceDesk', 'is required for jsm: the service desk id (Project settings → Request types, or GET /rest/servicedeskapi/servicedesk)');
      if (!extra.requestType && !queueMap['*']) fail('requestType', 'is required for jsm unless queueMap has "*": the request type id a ticket is created as');
    }
    const pollMs = raw.poll === undefined ? undefined : typeof raw.poll === 'string' ? parseDuration(raw.poll) : undefined;
    if (raw.poll !== undefined && (pollMs === undefined || pollMs < 10_000)) fail('poll', 'must be a duration of at least 10s, such as 2m');
    const defined = Object.fromEntries(Object.entries(extra).filter(([, value]) => value !== undefined)) as Partial<HelpdeskTarget>;
    return [{ name, kind, url, token: token ?? '', queues, queueMap, timeoutMs: timeoutMs ?? 10_000, maxAttempts, ...defined, ...(pollMs !== undefined && pollMs >= 10_000 ? { pollMs } : {}) }];
  });
}

/**
 * Where a ticket event goes: NATS always, and every webhook (or on-call channel) and helpdesk for
 * its queue; a ticket that opens at a priority an on-call channel pages on (P1 unless set) goes to
 * that channel too, so nobody waits for the first escalation step to hear of it.
 */
export function destinationsFor(config: HelpdeskConfig, type: string, queue: string, priority?: string): string[] {
  const forQueue = (t: { queues: string[] }) => t.queues.some((q) => q === '*' || systemMatches(q, queue));
  if (type === 'ticket.escalated') return [NATS_DESTINATION, ...config.oncall.filter(forQueue).map((t) => `oncall:${t.name}`)];
  const paged = type === 'ticket.opened' && priority !== undefined ? config.oncall.filter((t) => forQueue(t) && t.pageOn?.includes(priority)).map((t) => `oncall:${t.name}`) : [];
  return [NATS_DESTINATION, ...config.webhooks.filter(forQueue).map((t) => `webhook:${t.name}`), ...config.helpdesks.filter(forQueue).map((t) => `helpdesk:${t.name}`), ...paged];
}

export function helpdeskOf(config: HelpdeskConfig, destination: string): HelpdeskTarget | undefined {
  const [kind, name] = destination.split(':');
  return kind === 'helpdesk' ? config.helpdesks.find((t) => t.name === name) : undefined;
}

export function targetOf(config: HelpdeskConfig, destination: string): WebhookTarget | undefined {
  const [kind, name] = destination.split(':');
  return (kind === 'oncall' ? config.oncall : config.webhooks).find((t) => t.name === name);
}

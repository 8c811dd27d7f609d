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
}

export interface HelpdeskConfig {
  webhooks: WebhookTarget[];
  oncall: WebhookTarget[];
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
  const empty: HelpdeskConfig = { webhooks: [], oncall: [], backoffBaseMs: 1000, backoffMaxMs: 300_000, publicUrl };
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
        },
      ];
    });
  };
  const webhooks = targets('webhooks', TICKET_FORMATS);
  const oncall = targets('oncall', ONCALL_FORMATS);
  const relay = (document.relay ?? {}) as Record<string, unknown>;
  const duration = (field: string, fallback: number) => {
    const value = relay[field];
    const ms = value === undefined ? fallback : typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined) problems.push(`${file}: relay.${field} must be a duration such as 1s`);
    return ms ?? fallback;
  };
  const config = { webhooks, oncall, backoffBaseMs: duration('backoffBase', 1000), backoffMaxMs: duration('backoffMax', 300_000), publicUrl };
  if (problems.length > 0) throw new HelpdeskConfigError(problems);
  return config;
}

/** Where a ticket event goes: NATS always, and every webhook (or on-call channel) for its queue. */
export function destinationsFor(config: HelpdeskConfig, type: string, queue: string): string[] {
  const targets = type === 'ticket.escalated' ? config.oncall : config.webhooks;
  const prefix = type === 'ticket.escalated' ? 'oncall' : 'webhook';
  return [NATS_DESTINATION, ...targets.filter((t) => t.queues.some((q) => q === '*' || systemMatches(q, queue))).map((t) => `${prefix}:${t.name}`)];
}

export function targetOf(config: HelpdeskConfig, destination: string): WebhookTarget | undefined {
  const [kind, name] = destination.split(':');
  return (kind === 'oncall' ? config.oncall : config.webhooks).find((t) => t.name === name);
}

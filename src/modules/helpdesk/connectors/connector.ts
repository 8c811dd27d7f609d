import { systemClock } from '../../../actors/clock.js';
import type { TicketEvent } from '../../../correlation/tickets.js';
import { scrubText } from '../../../correlation/scrub.js';
import { clampText, withoutControls } from '../../ingest/unicode.js';
import { DeliveryRefused } from '../delivery-metrics.js';
import type { HelpdeskTarget } from '../helpdesk-config.js';

// What every helpdesk connector is to the outbox relay, and the one way they call their helpdesk:
// JSON over fetch with the target's credential and timeout, a refusal carrying what the helpdesk
// said (scrubbed: it can quote what it was sent) and when it asked to be called again.

/** What a connector hands back: the helpdesk's ticket, to be kept with the incident. */
export interface ExternalTicket {
  externalId: string;
  url: string;
}

export interface HelpdeskConnector {
  /**
   * Applies one ticket event to the incident's ticket (`known`, else found by its marker, else
   * created). `echo`: the helpdesk's own agent caused it (its callback); nothing is told back, only
   * what that helpdesk does not do by itself (resolving the linked reports' tickets). Throws
   * DeliveryRefused (or a network error) for the relay to retry.
   */
  apply(ticket: TicketEvent, known: ExternalTicket | undefined, echo: boolean): Promise<ExternalTicket | undefined>;
  /** The ticket's status in the helpdesk's own words (helpdesk-status.ts reads them), for the poller. */
  status(externalId: string): Promise<string | undefined>;
}

/** How the credential is presented: RT's `token`, HTTP basic (`user` + the secret), or OAuth `Bearer`. */
export function authorization(target: HelpdeskTarget, scheme: 'token' | 'bearer'): string {
  if (target.user) return `Basic ${Buffer.from(`${target.user}:${target.token}`).toString('base64')}`;
  return scheme === 'token' ? `token ${target.token}` : `Bearer ${target.token}`;
}

/**
 * One JSON call to a helpdesk, answering its parsed body. Not 2xx: DeliveryRefused with the
 * helpdesk's own message (ServiceNow's `error.message`/`detail`, Jira's
 * `errorMessages`/`errors`/`errorMessage`, RT's `message`) and its `Retry-After`.
 */
export async function callJson(target: HelpdeskTarget, auth: string, url: string, method: string, body?: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method,
    headers: { authorization: auth, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(target.timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = {};
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as unknown);
  } catch {
    // An HTML error page from a proxy in front of the helpdesk: the status says enough.
    if (response.ok) throw new DeliveryRefused(response.status, `helpdesk:${target.name}`, 'answered something that is not JSON');
  }
  if (!response.ok) throw new DeliveryRefused(response.status, `helpdesk:${target.name}`, saidIn(parsed), retryAfterMs(response.headers.get('retry-after')));
  return parsed;
}

/** The helpdesk's own words for what went wrong, cut short and scrubbed. */
function saidIn(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const error = typeof b.error === 'object' && b.error !== null ? (b.error as Record<string, unknown>) : undefined;
  const parts = [
    error?.message,
    error?.detail,
    b.errorMessage,
    b.message,
    ...(Array.isArray(b.errorMessages) ? (b.errorMessages as unknown[]) : []),
    ...(typeof b.errors === 'object' && b.errors !== null ? Object.entries(b.errors as Record<string, unknown>).map(([field, why]) => `${field}: ${String(why)}`) : []),
  ].filter((part): part is string => typeof part === 'string' && part !== '');
  return parts.length === 0 ? undefined : clampText(scrubText(withoutControls(parts.join('; '), ' ')), 300);
}

/** `Retry-After` in seconds or as an HTTP date (wall time: the helpdesk's clock), in milliseconds from now; capped at an hour. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = /^\d+$/.test(header.trim()) ? Number(header.trim()) : (Date.parse(header) - systemClock.now().getTime()) / 1000;
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 3600) * 1000 : undefined;
}

/** A ticket event as an agent reads it in the helpdesk: what happened, where, how many, and why it is here. */
export function describe(ticket: TicketEvent): string {
  const { incident, details } = ticket;
  const where = incident.facilities.length > 0 ? incident.facilities.join(', ') : 'no facility given';
  const said = Object.entries(details)
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return [
    `corral ${ticket.type.replace('ticket.', '')}: ${incident.title}`,
    `Priority ${incident.priority}, queue ${incident.queue} (rule ${incident.routingRuleId}), status ${incident.status}.`,
    `${incident.childCount} alerts and reports from ${incident.distinctRequesters} people; facilities: ${where}${incident.patientImpact ? '; PATIENT CARE AFFECTED' : ''}.`,
    ...(ticket.children.length > 0 ? [`${ticket.children.length} changed since the last update.`] : []),
    ...(said.length > 0 ? [said.join('; ')] : []),
    `corral incident ${incident.id}`,
  ].join('\n');
}

/** The reply a linked report's requester gets from their own ticket when the incident is resolved. */
export function resolutionReply(ticket: TicketEvent): string {
  const note = typeof ticket.details.note === 'string' ? ticket.details.note : undefined;
  const change = typeof ticket.details.change === 'string' ? ticket.details.change : undefined;
  return [`This is resolved: ${ticket.incident.title}.`, ...(note ? [note] : []), ...(change ? [`Change: ${change}`] : []), `(corral incident ${ticket.incident.id}; your report was one of ${ticket.incident.childCount} about it.)`].join('\n');
}

/** The tickets of reports that came from this helpdesk, by their key there, that a check accepts as its kind of key. */
export function reportTickets(ticket: TicketEvent, target: HelpdeskTarget, isKey: (key: string) => boolean, own?: string): string[] {
  const keys = new Set<string>();
  for (const child of ticket.children) {
    if (child.source.type === 'helpdesk' && child.source.system === target.name && child.helpdeskTicket && isKey(child.helpdeskTicket) && child.helpdeskTicket !== own) keys.add(child.helpdeskTicket);
  }
  return [...keys];
}

/** The words in a ticket that find it again: the incident's id. */
export function marker(incidentId: string): string {
  return `corral:${incidentId}`;
}

/** The helpdesk's own queue for a corral queue: the mapping's, its `*`, else the corral queue's own name. */
export function queueFor(target: HelpdeskTarget, queue: string): string {
  return target.queueMap[queue] ?? target.queueMap['*'] ?? queue;
}

import type { TicketEvent } from '../../../correlation/tickets.js';
import { clampText } from '../../ingest/unicode.js';
import { DeliveryRefused } from '../delivery-metrics.js';
import type { HelpdeskTarget } from '../helpdesk-config.js';
import { authorization, callJson, describe, marker, reportTickets, resolutionReply, type ExternalTicket, type HelpdeskConnector } from './connector.js';

// Jira Service Management Cloud: the incident is one request (servicedeskapi) of the request type
// its queue maps to, found again by its marker in the summary; updates are internal comments;
// resolve and reopen are the workflow's transitions into and out of the done category, looked up
// each time because their ids differ per workflow; a report that came from this JSM (its issue key) is linked to the incident's
// request, and resolving the incident transitions those too with a public comment, so each
// requester hears it in their own request. Jira has no parent/child for requests, and its
// platform API's issue links are the documented way to relate them. Written by hand: Atlassian
// publishes no maintained Node client for the servicedeskapi.

/** A Jira issue key (OPS-123): the key a report from JSM carries. */
const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,9}-\d{1,9}$/;

/** Names preferred among transitions into and out of the done category, as JSM's templates name them. */
const RESOLVING = /resolve|done|close|complete/i;
const REOPENING = /reopen|re-open|back to|in progress|open/i;

interface PlatformTransition {
  id?: string;
  name?: string;
  to?: { name?: string; statusCategory?: { key?: string } };
}

export class JsmConnector implements HelpdeskConnector {
  private readonly auth: string;

  constructor(private readonly target: HelpdeskTarget) {
    this.auth = authorization(target, 'bearer');
  }

  async apply(ticket: TicketEvent, known: ExternalTicket | undefined, echo: boolean): Promise<ExternalTicket | undefined> {
    if (echo) {
      const request = known ?? (await this.find(ticket.incident.id));
      if (request && ticket.type === 'ticket.resolved') await this.resolveLinked(request, ticket);
      return request;
    }
    const existing = known ?? (await this.find(ticket.incident.id));
    const request = existing ?? (await this.create(ticket));
    await this.linkReports(request, ticket);
    switch (ticket.type) {
      case 'ticket.opened':
        break;
      case 'ticket.updated':
      case 'ticket.flapping':
      case 'ticket.escalated':
        await this.comment(request.externalId, describe(ticket), false);
        break;
      case 'ticket.resolved':
      case 'ticket.merged':
        await this.comment(request.externalId, describe(ticket), false);
        await this.transition(request.externalId, 'done');
        await this.resolveLinked(request, ticket);
        break;
      case 'ticket.reopened':
        await this.transition(request.externalId, 'open');
        await this.comment(request.externalId, describe(ticket), false);
        break;
    }
    return request;
  }

  /** By the status category, not the workflow's own names: Done is done, anything else is open. */
  async status(externalId: string): Promise<string | undefined> {
    const issue = (await this.call('GET', `/rest/api/3/issue/${externalId}?fields=status`)) as { fields?: { status?: { statusCategory?: { key?: string } } } };
    const category = issue.fields?.status?.statusCategory?.key;
    return category === undefined ? undefined : category === 'done' ? 'done' : 'open';
  }

  /** The request a create whose answer was lost made: its marker in the summary, not yet done. */
  private async find(incidentId: string): Promise<ExternalTicket | undefined> {
    const jql = `summary ~ "\\"${marker(incidentId)}\\"" AND statusCategory != Done ORDER BY created ASC`;
    const query = new URLSearchParams({ jql, fields: 'summary', maxResults: '1' });
    const found = (await this.call('GET', `/rest/api/3/search/jql?${query.toString()}`)) as { issues?: Array<{ key?: string; fields?: { summary?: string } }> };
    // Jira's text search matches words, not the exact marker: the summary must really hold it.
    const issue = found.issues?.find((i) => i.fields?.summary?.includes(marker(incidentId)));
    return issue?.key ? this.external(issue.key) : undefined;
  }

  /**
   * A new request of the mapped request type. A request type that refuses the request (not in this
   * service desk, a required field corral cannot fill: 400) is tried once more as the default type.
   */
  private async create(ticket: TicketEvent): Promise<ExternalTicket> {
    const { incident } = ticket;
    const fallback = this.target.requestType ?? this.target.queueMap['*'];
    const mapped = this.target.queueMap[incident.queue] ?? fallback;
    const body = (requestTypeId: string | undefined) => ({
      serviceDeskId: this.target.serviceDesk,
      requestTypeId,
      requestFieldValues: {
        // The marker last but never cut off: it is how a lost create is found again.
        summary: `${clampText(`[${incident.priority}] ${incident.system}: ${incident.title}`, 200)} (${marker(incident.id)})`,
        description: describe(ticket),
      },
    });
    let made: { issueKey?: string };
    try {
      made = (await this.call('POST', '/rest/servicedeskapi/request', body(mapped))) as typeof made;
    } catch (error) {
      if (!(error instanceof DeliveryRefused) || error.status !== 400 || mapped === fallback) throw error;
      made = (await this.call('POST', '/rest/servicedeskapi/request', body(fallback))) as typeof made;
      await this.comment(made.issueKey ?? '', `corral could not create this as request type ${mapped} for queue ${incident.queue} (${error.message}); it is the default type instead.`, false);
    }
    if (!made.issueKey) throw new Error(`${this.target.name}: JSM created a request but did not say its key`);
    return this.external(made.issueKey);
  }

  /** Reports that came from this JSM are linked to the incident's request (Jira does not link the same pair twice). */
  private async linkReports(request: ExternalTicket, ticket: TicketEvent): Promise<void> {
    for (const key of reportTickets(ticket, this.target, (k) => ISSUE_KEY.test(k), request.externalId)) {
      await this.call('POST', '/rest/api/3/issueLink', { type: { name: this.linkType }, inwardIssue: { key }, outwardIssue: { key: request.externalId } });
    }
  }

  /** Every request linked to the incident's by corral's link type and not yet done: transitioned with a reply its requester sees. */
  private async resolveLinked(request: ExternalTicket, ticket: TicketEvent): Promise<void> {
    const issue = (await this.call('GET', `/rest/api/3/issue/${request.externalId}?fields=issuelinks`)) as { fields?: { issuelinks?: IssueLink[] } };
    const reply = resolutionReply(ticket);
    for (const link of issue.fields?.issuelinks ?? []) {
      if (link.type?.name !== this.linkType) continue;
      const other = link.inwardIssue ?? link.outwardIssue;
      if (!other?.key || other.fields?.status?.statusCategory?.key === 'done') continue;
      await this.comment(other.key, reply, true);
      await this.transition(other.key, 'done');
    }
  }

  /**
   * Moves the issue into (`done`) or out of the done status category, by the transition the
   * workflow offers now: the platform API's list (the service desk's lists only what customers may
   * do) says where each leads, so no transition id or name is assumed. Among several, one named like
   * a resolve or a reopen is taken before, say, "Cancel". None (already there): nothing to do.
   */
  private async transition(key: string, to: 'done' | 'open'): Promise<void> {
    const available = (await this.call('GET', `/rest/api/3/issue/${key}/transitions`)) as { transitions?: PlatformTransition[] };
    const leads = (t: PlatformTransition) => (t.to?.statusCategory?.key === 'done') === (to === 'done');
    const named = to === 'done' ? RESOLVING : REOPENING;
    const candidates = (available.transitions ?? []).filter(leads);
    const transition = candidates.find((t) => named.test(t.name ?? '')) ?? candidates[0];
    if (transition?.id) await this.call('POST', `/rest/api/3/issue/${key}/transitions`, { transition: { id: transition.id } });
  }

  private async comment(key: string, body: string, visibleToRequester: boolean): Promise<void> {
    await this.call('POST', `/rest/servicedeskapi/request/${key}/comment`, { body, public: visibleToRequester });
  }

  private get linkType(): string {
    return this.target.linkType ?? 'Relates';
  }

  private external(key: string): ExternalTicket {
    return { externalId: key, url: `${this.target.url}/browse/${key}` };
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    return callJson(this.target, this.auth, `${this.target.url}${path}`, method, body);
  }
}

interface IssueLink {
  type?: { name?: string };
  inwardIssue?: LinkedIssue;
  outwardIssue?: LinkedIssue;
}

interface LinkedIssue {
  key?: string;
  fields?: { status?: { statusCategory?: { key?: string } } };
}

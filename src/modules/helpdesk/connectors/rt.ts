import type { TicketEvent } from '../../../correlation/tickets.js';
import { clampText } from '../../ingest/unicode.js';
import { DeliveryRefused } from '../delivery-metrics.js';
import type { HelpdeskTarget } from '../helpdesk-config.js';
import { authorization, callJson, describe, marker, queueFor, reportTickets, resolutionReply, type ExternalTicket, type HelpdeskConnector } from './connector.js';

// Request Tracker 5 through its REST2 API (/REST/2.0, `Authorization: token …`): the incident is one
// RT ticket in the RT queue its corral queue maps to; updates are comments on it; resolve and
// reopen set its status. Written by hand: RT publishes no client library for Node, and the five
// calls it takes are plain JSON over fetch.

/** RT ticket ids are numbers: a report's key from another helpdesk is never linked here. */
const RT_ID = /^\d{1,12}$/;

/** RT's own priority scale is 0–99; its default lifecycle has no names for them. */
const RT_PRIORITY: Record<string, number> = { P1: 90, P2: 70, P3: 50, P4: 20 };

export class RtConnector implements HelpdeskConnector {
  private readonly api: string;

  private readonly auth: string;

  constructor(private readonly target: HelpdeskTarget) {
    this.api = `${target.url}/REST/2.0`;
    this.auth = authorization(target, 'token');
  }

  /**
   * Applies one ticket event. Without a known ticket the incident's is looked up by the marker in
   * its subject (a create whose answer was lost is found, not made twice), else created, whatever
   * the event: a helpdesk configured after the incident opened still gets one ticket. An event RT's
   * own agent caused (`echo`: they resolved the ticket in RT) is not told back; only what RT does not
   * do by itself follows it, the linked reports' tickets resolved.
   */
  async apply(ticket: TicketEvent, known: ExternalTicket | undefined, echo: boolean): Promise<ExternalTicket | undefined> {
    if (echo) {
      const rt = known ?? (await this.find(ticket.incident.id));
      if (rt && ticket.type === 'ticket.resolved') await this.resolveMembers(rt, ticket);
      return rt;
    }
    const existing = known ?? (await this.find(ticket.incident.id));
    const rt = existing ?? (await this.create(ticket));
    const created = existing === undefined;
    await this.linkReports(rt, ticket);
    switch (ticket.type) {
      case 'ticket.opened':
        // A redelivered opening (the relay died before recording it) finds the ticket and adds nothing.
        break;
      case 'ticket.updated':
      case 'ticket.flapping':
      case 'ticket.escalated': {
        const queue = typeof ticket.details.queue === 'string' ? queueFor(this.target, ticket.details.queue) : undefined;
        if (queue && !created) await this.call('PUT', `/ticket/${rt.externalId}`, { Queue: queue });
        await this.comment(rt, ticket);
        break;
      }
      case 'ticket.resolved':
      case 'ticket.merged':
        await this.comment(rt, ticket);
        await this.call('PUT', `/ticket/${rt.externalId}`, { Status: 'resolved' });
        await this.resolveMembers(rt, ticket);
        break;
      case 'ticket.reopened':
        await this.call('PUT', `/ticket/${rt.externalId}`, { Status: 'open' });
        await this.comment(rt, ticket);
        break;
    }
    return rt;
  }

  /**
   * The RT tickets of reports that came from this RT (a clinician's own ticket, relayed to corral
   * with `helpdesk` set to this helpdesk's name) become members of the incident's ticket, so the
   * agent works one ticket and sees every requester's. `AddMembers` adds to the set: a redelivery
   * links nothing twice.
   */
  private async linkReports(rt: ExternalTicket, ticket: TicketEvent): Promise<void> {
    const members = reportTickets(ticket, this.target, (key) => RT_ID.test(key), rt.externalId);
    if (members.length > 0) await this.call('PUT', `/ticket/${rt.externalId}`, { AddMembers: members });
  }

  /**
   * Resolves the incident ticket's members that are still active, each with a reply (so RT mails
   * its own requester from their own ticket, as they expect) saying what fixed it. A member already
   * resolved or rejected is left as its agent left it (one TicketSQL search finds the active ones).
   * One RT refuses fails the event, which the relay retries: the retry finds those already resolved
   * and goes on from there.
   */
  private async resolveMembers(rt: ExternalTicket, ticket: TicketEvent): Promise<void> {
    const query = encodeURIComponent(`MemberOf = '${rt.externalId}' AND Status = '__Active__'`);
    const members = (await this.call('GET', `/tickets?query=${query}&per_page=100`)) as { items?: Array<{ id: string | number }> };
    const reply = resolutionReply(ticket);
    for (const { id } of members.items ?? []) {
      await this.call('POST', `/ticket/${id}/correspond`, { Content: reply, ContentType: 'text/plain' });
      await this.call('PUT', `/ticket/${id}`, { Status: 'resolved' });
    }
  }

  async status(externalId: string): Promise<string | undefined> {
    return ((await this.call('GET', `/ticket/${externalId}`)) as { Status?: string }).Status;
  }

  /**
   * The incident's ticket made by a create whose answer was lost: still active, since incident ids
   * repeat for the same problem after corral's database is set up again, and an old resolved
   * ticket of an earlier life must not take the new incident's events.
   */
  private async find(incidentId: string): Promise<ExternalTicket | undefined> {
    const query = encodeURIComponent(`Subject LIKE '${marker(incidentId)}' AND Status = '__Active__'`);
    const found = (await this.call('GET', `/tickets?query=${query}&orderby=id&order=ASC`)) as { items?: Array<{ id: string }> };
    const id = found.items?.[0]?.id;
    return id ? this.external(id) : undefined;
  }

  /**
   * A new ticket in the mapped queue. A queue RT refuses (renamed, or corral's user may not create
   * there: RT answers 403, or 400) is not a reason for no ticket at all: it is made in the `*` queue (else
   * General), with a comment saying where it belonged and why it is not there.
   */
  private async create(ticket: TicketEvent): Promise<ExternalTicket> {
    const { incident } = ticket;
    const body = (queue: string) => ({
      Queue: queue,
      // The marker last but never cut off: it is how a lost create is found again.
      Subject: `${clampText(`[${incident.priority}] ${incident.system}: ${incident.title}`, 150)} (${marker(incident.id)})`,
      Content: describe(ticket),
      ContentType: 'text/plain',
      Priority: RT_PRIORITY[incident.priority] ?? 50,
    });
    const queue = queueFor(this.target, incident.queue);
    const fallback = this.target.queueMap['*'] ?? 'General';
    let made: { id?: string | number };
    try {
      made = (await this.call('POST', '/ticket', body(queue))) as typeof made;
    } catch (error) {
      // RT says 403 for a queue it does not have as for one corral may not create in.
      if (!(error instanceof DeliveryRefused) || (error.status !== 400 && error.status !== 403) || queue === fallback) throw error;
      made = (await this.call('POST', '/ticket', body(fallback))) as typeof made;
      if (made.id !== undefined) await this.call('POST', `/ticket/${made.id}/comment`, { Content: `corral routed this to queue ${incident.queue}, RT queue "${queue}", which RT refused (${error.message}); it is in ${fallback} instead. Check queueMap in corral's helpdesk file, or the queue's rights for corral's RT user.`, ContentType: 'text/plain' });
    }
    if (made.id === undefined) throw new Error(`${this.target.name}: RT created a ticket but did not say its id`);
    return this.external(String(made.id));
  }

  private async comment(rt: ExternalTicket, ticket: TicketEvent): Promise<void> {
    await this.call('POST', `/ticket/${rt.externalId}/comment`, { Content: describe(ticket), ContentType: 'text/plain' });
  }

  private external(id: string): ExternalTicket {
    return { externalId: id, url: `${this.target.url}/Ticket/Display.html?id=${id}` };
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    return callJson(this.target, this.auth, `${this.api}${path}`, method, body);
  }
}

import type { TicketEvent } from '../../../correlation/tickets.js';
import { clampText } from '../../ingest/unicode.js';
import { DeliveryRefused } from '../delivery-metrics.js';
import type { HelpdeskTarget } from '../helpdesk-config.js';
import { authorization, callJson, describe, marker, queueFor, reportTickets, type ExternalTicket, type HelpdeskConnector } from './connector.js';

// ServiceNow through its Table API (/api/now/table/incident): the incident is one ServiceNow
// incident, found again by `correlation_id` = corral:<incident id>; updates are work notes; a
// report that came from ServiceNow (an INC number) becomes a child through `parent_incident`, and
// ServiceNow's own parent/child sync resolves the children with the parent and copies its
// resolution notes, so corral resolves only the parent. Written by hand for the same reason as RT:
// five documented calls of JSON over fetch, and no maintained Node client for the Table API.

const TABLE = '/api/now/table/incident';

/** Incident states (the `state` choice list's values, strings in the Table API). */
const STATE = { inProgress: '2', resolved: '6' } as const;

/** P1–P4 as the urgency and impact whose default priority lookup gives them (1 high … 3 low). */
const URGENCY_IMPACT: Record<string, { urgency: string; impact: string }> = {
  P1: { urgency: '1', impact: '1' },
  P2: { urgency: '1', impact: '2' },
  P3: { urgency: '2', impact: '2' },
  P4: { urgency: '3', impact: '3' },
};

/** A ServiceNow sys_id: 32 hex digits. */
const SYS_ID = /^[0-9a-f]{32}$/;

/** An incident number as ServiceNow prints them (INC0012345), the key a report from it carries. */
const NUMBER = /^[A-Z]{2,8}\d{5,12}$/;

export class ServiceNowConnector implements HelpdeskConnector {
  private readonly auth: string;
  /** Assignment group names → sys_ids, as looked up (groups are renamed rarely; a restart forgets). */
  private readonly groups = new Map<string, string>();

  constructor(private readonly target: HelpdeskTarget) {
    this.auth = authorization(target, 'bearer');
  }

  async apply(ticket: TicketEvent, known: ExternalTicket | undefined, echo: boolean): Promise<ExternalTicket | undefined> {
    // ServiceNow resolves its children with the parent itself: an agent's own resolve needs nothing more.
    if (echo) return known ?? (await this.find(ticket.incident.id));
    const existing = known ?? (await this.find(ticket.incident.id));
    const incident = existing ?? (await this.create(ticket));
    await this.adoptReports(incident, ticket);
    switch (ticket.type) {
      case 'ticket.opened':
        break;
      case 'ticket.updated':
      case 'ticket.flapping':
      case 'ticket.escalated': {
        const group = typeof ticket.details.queue === 'string' && existing ? await this.group(queueFor(this.target, ticket.details.queue)) : undefined;
        await this.patch(incident, { work_notes: describe(ticket), ...(group ? { assignment_group: group } : {}) });
        break;
      }
      case 'ticket.resolved':
      case 'ticket.merged':
        await this.patch(incident, { state: STATE.resolved, close_code: this.target.closeCode ?? 'Solution provided', close_notes: closeNotes(ticket), work_notes: describe(ticket) });
        break;
      case 'ticket.reopened':
        await this.patch(incident, { state: STATE.inProgress, work_notes: describe(ticket) });
        break;
    }
    return incident;
  }

  async status(externalId: string): Promise<string | undefined> {
    const found = (await this.call('GET', `${TABLE}/${externalId}?sysparm_fields=state`)) as { result?: { state?: string } };
    return found.result?.state;
  }

  /**
   * The incident's ServiceNow incident made by a create whose answer was lost: one with its marker
   * that is not resolved, closed or canceled, since incident ids repeat after corral's database is
   * set up again.
   */
  private async find(incidentId: string): Promise<ExternalTicket | undefined> {
    // Not `active=true`: a resolved incident stays active until it is closed.
    const query = new URLSearchParams({ sysparm_query: `correlation_id=${marker(incidentId)}^stateNOT IN6,7,8`, sysparm_fields: 'sys_id,number', sysparm_limit: '1' });
    const found = (await this.call('GET', `${TABLE}?${query.toString()}`)) as { result?: Array<{ sys_id?: string }> };
    const id = found.result?.[0]?.sys_id;
    return id ? this.external(id) : undefined;
  }

  /**
   * A new incident in the mapped assignment group. An instance that refuses a field (a group name it
   * does not know, a data policy on urgency) answers 400: the incident is made without them, and
   * its first work note says what was refused, rather than the ticket never being made.
   */
  private async create(ticket: TicketEvent): Promise<ExternalTicket> {
    const { incident } = ticket;
    const required = {
      short_description: clampText(`[${incident.priority}] ${incident.system}: ${incident.title}`, 160),
      description: describe(ticket),
      correlation_id: marker(incident.id),
      correlation_display: 'corral',
    };
    const group = queueFor(this.target, incident.queue);
    const groupId = await this.group(group);
    const full = { ...required, ...(groupId ? { assignment_group: groupId } : {}), ...(URGENCY_IMPACT[incident.priority] ?? {}) };
    let made: { result?: { sys_id?: string } };
    const unrouted = groupId ? {} : { work_notes: `corral routed this to "${group}", which is no assignment group here (queueMap in corral's helpdesk file); assign it by hand.` };
    try {
      made = (await this.call('POST', TABLE, { ...full, ...unrouted })) as typeof made;
    } catch (error) {
      if (!(error instanceof DeliveryRefused) || error.status !== 400) throw error;
      made = (await this.call('POST', TABLE, { ...required, work_notes: `corral could not set assignment group "${group}" and urgency/impact for ${incident.priority} (${error.message}); route it by hand.` })) as typeof made;
    }
    const id = made.result?.sys_id;
    if (!id) throw new Error(`${this.target.name}: ServiceNow created an incident but did not say its sys_id`);
    return this.external(id);
  }

  /**
   * The assignment group's sys_id: the Table API takes a reference by sys_id (a name only with
   * display-value input, which would change how every other field is read). A mapped value that is
   * a sys_id is used as it is; a name is looked up once. A name the instance does not know: none,
   * and the first work note says so (create).
   */
  private async group(name: string): Promise<string | undefined> {
    if (SYS_ID.test(name)) return name;
    const cached = this.groups.get(name);
    if (cached) return cached;
    const query = new URLSearchParams({ sysparm_query: `name=${name}`, sysparm_fields: 'sys_id', sysparm_limit: '1' });
    const found = (await this.call('GET', `/api/now/table/sys_user_group?${query.toString()}`)) as { result?: Array<{ sys_id?: string }> };
    const id = found.result?.[0]?.sys_id;
    if (id) this.groups.set(name, id);
    return id;
  }

  /** Reports that came from this ServiceNow (their INC numbers) become children of the incident's. */
  private async adoptReports(incident: ExternalTicket, ticket: TicketEvent): Promise<void> {
    for (const number of reportTickets(ticket, this.target, (key) => NUMBER.test(key))) {
      const query = new URLSearchParams({ sysparm_query: `number=${number}`, sysparm_fields: 'sys_id,parent_incident', sysparm_limit: '1' });
      const found = (await this.call('GET', `${TABLE}?${query.toString()}`)) as { result?: Array<{ sys_id?: string; parent_incident?: unknown }> };
      const child = found.result?.[0];
      // Gone, or the incident's own: nothing to link. Already its child: a redelivery.
      if (!child?.sys_id || child.sys_id === incident.externalId || parentOf(child.parent_incident) === incident.externalId) continue;
      await this.call('PATCH', `${TABLE}/${child.sys_id}`, { parent_incident: incident.externalId });
    }
  }

  private async patch(incident: ExternalTicket, fields: Record<string, string>): Promise<void> {
    await this.call('PATCH', `${TABLE}/${incident.externalId}`, fields);
  }

  private external(sysId: string): ExternalTicket {
    return { externalId: sysId, url: `${this.target.url}/nav_to.do?uri=incident.do?sys_id=${sysId}` };
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    return callJson(this.target, this.auth, `${this.target.url}${path}`, method, body);
  }
}

/** A reference field as the Table API gives it: a sys_id, or `{ link, value }`. */
function parentOf(reference: unknown): string | undefined {
  if (typeof reference === 'string') return reference || undefined;
  if (typeof reference === 'object' && reference !== null && typeof (reference as { value?: unknown }).value === 'string') return (reference as { value: string }).value;
  return undefined;
}

/** What the resolver said and which change fixed it, as ServiceNow's close notes (copied to the children). */
function closeNotes(ticket: TicketEvent): string {
  const note = typeof ticket.details.note === 'string' ? ticket.details.note : undefined;
  const change = typeof ticket.details.change === 'string' ? ticket.details.change : undefined;
  return [note ?? `Resolved in corral: ${ticket.incident.title}`, ...(change ? [`Change: ${change}`] : []), `corral incident ${ticket.incident.id}`].join('\n');
}

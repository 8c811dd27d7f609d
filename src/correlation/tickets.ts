import type { EnrichedContext } from './canonical-event.js';
import type { JournalEntry } from './transition.js';
import { childCount, childOf, childrenChangedSince, childrenOf, distinctRequesters, hasUntold, isActive, type Child, type IncidentBody, type IncidentState } from './incident.js';

// The helpdesk contract (DESIGN §10). Ticket events are derived from the journal entries a batch
// wrote for one actor: one event per ticket decision. Children that change after the ticket opened
// are told by a journaled `ticket.updated` once per the window's updateInterval (lifecycle's
// tellChildren); with updateInterval 0, by one coalesced `ticket.updated` per incident per batch.
// Either way a storm of 500 reports is a handful of updates, not 500.

export const TICKET_TYPES = ['ticket.opened', 'ticket.updated', 'ticket.resolved', 'ticket.reopened', 'ticket.merged', 'ticket.flapping', 'ticket.escalated'] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

export interface TicketIncident {
  id: string;
  signature: string;
  title: string;
  status: string;
  severity: string;
  priority: string;
  queue: string;
  routingRuleId: string;
  system: string;
  facilities: string[];
  departments: string[];
  firstSeen: string;
  lastSeen: string;
  childCount: number;
  distinctRequesters: number;
  patientImpact: boolean;
  correlationId: string;
  parentId: string | null;
  /** Directory names and hierarchy, or `{ enrichment: 'unavailable' }` while the EHR directory is down. */
  context: EnrichedContext | null;
}

export interface TicketChild {
  id: string;
  kind: string;
  source: { type: string; system: string };
  occurredAt: string;
  status: string;
  requesterToken?: string;
  /** A report's own ticket in the helpdesk it came from (`source.system`), to link and resolve there. */
  helpdeskTicket?: string;
}

export interface TicketEvent {
  eventKey: string;
  type: TicketType;
  incident: TicketIncident;
  /** Children changed since the previous event (all of them, up to a cap, on `ticket.opened`). */
  children: TicketChild[];
  /** Requester tokens to tell: every distinct requester on resolve and merge. */
  notify: string[];
  /** What the decision said: the new queue, the escalation step, the incident merged into … */
  details: Record<string, unknown>;
  at: string;
}

export interface SequencedEntry extends JournalEntry {
  seq: number;
}

/** Children in one event: enough for a ticket to be useful; the full list is one API call away. */
export const EVENT_CHILDREN = 200;

export function isTicketType(kind: string): kind is TicketType {
  return (TICKET_TYPES as readonly string[]).includes(kind);
}

/**
 * `before` is the actor's state before the batch: children stamped after what it had told are the
 * delta. When it had told everything, the delta is what this batch touched (no scan); otherwise
 * (changes held back by updateInterval) the children are scanned, once per interval.
 */
export function ticketEventsOf(before: IncidentState, state: IncidentState, entries: SequencedEntry[]): TicketEvent[] {
  if (state.status === 'none') return [];
  const incident = state.incident;
  const own = entries.filter((entry) => entry.incidentId === incident.id);
  const view = ticketIncident(state);
  const sameIncident = before.status !== 'none' && before.incident.id === incident.id;
  const toldBefore = sameIncident ? (before.incident.told ?? 0) : 0;
  // Changes after the batch's last telling are still held: they go with the next one, not twice.
  const toldAfter = incident.told ?? 0;
  let delta: { children: TicketChild[]; omitted: number } | undefined;
  const changed = () =>
    (delta ??= deltaOf(
      (sameIncident && !hasUntold(before.incident) ? touchedBy(incident, own) : childrenChangedSince(incident, toldBefore)).filter((child) => (child.rev ?? 0) <= toldAfter),
    ));

  const events: TicketEvent[] = own
    .filter((entry) => isTicketType(entry.kind))
    .map((entry) => {
      const opening = entry.kind === 'ticket.opened';
      const { children, omitted } = opening ? openingChildren(incident) : changed();
      const details = Object.fromEntries(Object.entries(entry.data).filter(([key]) => key !== 'notify'));
      return {
        eventKey: `${incident.id}:${entry.seq}`,
        type: entry.kind as TicketType,
        incident: view,
        children,
        notify: Array.isArray(entry.data.notify) ? (entry.data.notify as string[]) : [],
        details: withOmitted(details, omitted),
        at: entry.at,
      };
    });

  // updateInterval 0: the batch's changes, told at once. Otherwise tellChildren held them back
  // (the incident still has untold children) or told them with a journaled entry above.
  const last = own.at(-1);
  if (events.length === 0 && last && incident.ticketed && isActive(state.status) && !hasUntold(incident)) {
    const { children, omitted } = changed();
    if (children.length > 0) events.push({ eventKey: `${incident.id}:${last.seq}`, type: 'ticket.updated', incident: view, children, notify: [], details: withOmitted({}, omitted), at: last.at });
  }
  return events;
}

function touchedBy(incident: IncidentBody, entries: SequencedEntry[]): Child[] {
  return [...new Set(entries.flatMap((entry) => (entry.childKey === undefined ? [] : [entry.childKey])))]
    .map((key) => childOf(incident, key))
    .filter((child): child is Child => child !== undefined);
}

/** An event's details, saying how many children it left out when it left any out. */
function withOmitted(details: Record<string, unknown>, omitted: number): Record<string, unknown> {
  return omitted > 0 ? { ...details, childrenOmitted: omitted } : details;
}

/** The newest changes first when there are more than one event carries. */
function deltaOf(children: Child[]): { children: TicketChild[]; omitted: number } {
  if (children.length <= EVENT_CHILDREN) return { children: children.map(ticketChild), omitted: 0 };
  const kept = peopleFirst([...children].sort((a, b) => (b.rev ?? 0) - (a.rev ?? 0)));
  return { children: kept.map(ticketChild), omitted: children.length - EVENT_CHILDREN };
}

/** Every child of a new ticket, up to the cap, people's reports first. */
function openingChildren(incident: IncidentBody): { children: TicketChild[]; omitted: number } {
  const all = childrenOf(incident);
  if (all.length <= EVENT_CHILDREN) return { children: all.map(ticketChild), omitted: 0 };
  return { children: peopleFirst(all).map(ticketChild), omitted: all.length - EVENT_CHILDREN };
}

/**
 * The cap's worth of children, reports before alerts (each in the order given): when a storm has
 * more than a ticket event carries, the people are what the helpdesk must not miss (their own
 * tickets are linked and resolved from these), and the alerts are one API call away.
 */
function peopleFirst(children: readonly Child[]): Child[] {
  const kept: Child[] = [];
  for (const child of children) if (child.kind === 'report' && kept.length < EVENT_CHILDREN) kept.push(child);
  for (const child of children) if (child.kind !== 'report' && kept.length < EVENT_CHILDREN) kept.push(child);
  return kept;
}

function ticketIncident(state: Extract<IncidentState, { incident: unknown }>): TicketIncident {
  const i = state.incident;
  return {
    id: i.id,
    signature: i.signature,
    title: i.title,
    status: state.status,
    severity: i.severity,
    priority: i.priority,
    queue: i.queue,
    routingRuleId: `${i.routingRule.id}@${i.routingRule.version}`,
    system: i.system,
    facilities: i.facilities,
    departments: i.departments,
    firstSeen: i.firstSeen,
    lastSeen: i.lastSeen,
    childCount: childCount(i),
    distinctRequesters: distinctRequesters(i),
    patientImpact: i.patientImpact,
    correlationId: i.correlationId,
    parentId: i.parent?.incidentId ?? null,
    context: i.context,
  };
}

function ticketChild(child: Child): TicketChild {
  return {
    id: child.id,
    kind: child.kind,
    source: { type: child.source.type, system: child.source.system },
    occurredAt: child.changedAt,
    status: child.status,
    ...(child.requesterToken ? { requesterToken: child.requesterToken } : {}),
    ...(child.helpdeskTicket ? { helpdeskTicket: child.helpdeskTicket } : {}),
  };
}

/** Whether an update says something of its own (a new queue, an acknowledgement, a merge) besides its children. */
export function carriesDetails(event: TicketEvent): boolean {
  for (const key in event.details) if (key !== 'childrenOmitted') return true;
  return false;
}

/**
 * Consecutive `ticket.updated` events of one incident told as one (the relay, after the helpdesk
 * was unreachable): the last event's incident and details (the relay ends a run at an update with
 * details of its own, so none are lost), each child once in its latest form, and still at most
 * EVENT_CHILDREN of them, so a long outage cannot grow one message past what NATS or a helpdesk
 * accepts. Over the cap the latest changes are kept, newest first, as in a single event: later
 * events first, and within one event the latest `occurredAt`. `childrenOmitted` adds up what each
 * event and the merge left out; a child left out of one event and told by a later one is counted
 * too, so it is an upper bound.
 */
export function mergeUpdates(updates: TicketEvent[]): TicketEvent {
  const last = updates.at(-1);
  if (!last) throw new Error('mergeUpdates needs at least one event');
  if (updates.length === 1) return last;
  const latest = new Map<string, { child: TicketChild; event: number }>();
  let omitted = 0;
  updates.forEach((update, event) => {
    omitted += Number(update.details.childrenOmitted ?? 0);
    for (const child of update.children) {
      const id = `${child.source.system}|${child.id}`;
      // Re-inserted, so the map's order is the order of each child's latest change.
      latest.delete(id);
      latest.set(id, { child, event });
    }
  });
  let kept = [...latest.values()];
  if (kept.length > EVENT_CHILDREN) {
    omitted += kept.length - EVENT_CHILDREN;
    kept = kept.sort((a, b) => b.event - a.event || compareDesc(a.child.occurredAt, b.child.occurredAt)).slice(0, EVENT_CHILDREN);
  }
  const { childrenOmitted: _previous, ...details } = last.details;
  return { ...last, children: kept.map((k) => k.child), details: withOmitted(details, omitted) };
}

const compareDesc = (a: string, b: string): number => (a < b ? 1 : a > b ? -1 : 0);

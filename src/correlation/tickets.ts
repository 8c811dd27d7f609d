import type { EnrichedContext } from './canonical-event.js';
import type { JournalEntry } from './evolve.js';
import { childCount, childOf, childrenOf, distinctRequesters, isActive, type Child, type IncidentState } from './incident.js';

// The helpdesk contract (DESIGN §10). Ticket events are derived from the journal entries a batch
// wrote for one actor: one event per ticket decision, plus at most one coalesced `ticket.updated`
// per incident per batch when children changed without any other ticket decision — so a storm of
// 500 reports is a handful of updates, not 500.

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

/** Enough for a ticket to be useful; the full list is one API call away. */
const OPENING_CHILDREN = 200;

export function isTicketType(kind: string): kind is TicketType {
  return (TICKET_TYPES as readonly string[]).includes(kind);
}

export function ticketEventsOf(state: IncidentState, entries: SequencedEntry[]): TicketEvent[] {
  if (state.status === 'none') return [];
  const incident = state.incident;
  const own = entries.filter((entry) => entry.incidentId === incident.id);
  const touched = [...new Set(own.flatMap((entry) => (entry.childKey === undefined ? [] : [entry.childKey])))]
    .map((key) => childOf(incident, key))
    .filter((child): child is Child => child !== undefined);
  const view = ticketIncident(state);

  const events: TicketEvent[] = own
    .filter((entry) => isTicketType(entry.kind))
    .map((entry) => ({
      eventKey: `${incident.id}:${entry.seq}`,
      type: entry.kind as TicketType,
      incident: view,
      children: (entry.kind === 'ticket.opened' ? childrenOf(incident).slice(0, OPENING_CHILDREN) : touched).map(ticketChild),
      notify: Array.isArray(entry.data.notify) ? (entry.data.notify as string[]) : [],
      details: Object.fromEntries(Object.entries(entry.data).filter(([key]) => key !== 'notify')),
      at: entry.at,
    }));

  const last = own.at(-1);
  if (events.length === 0 && last && touched.length > 0 && incident.ticketed && isActive(state.status)) {
    events.push({ eventKey: `${incident.id}:${last.seq}`, type: 'ticket.updated', incident: view, children: touched.map(ticketChild), notify: [], details: {}, at: last.at });
  }
  return events;
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
  };
}

import { createHash } from 'node:crypto';
import type { EnrichedContext, EventKind, EventSource, EventStatus, Severity } from './canonical-event.js';
import type { Priority, RuleRef } from './rules.js';

/** One source event folded into an incident: an alert instance, a clinician's report. */
export interface Child {
  key: string;
  id: string;
  kind: EventKind;
  source: EventSource;
  status: EventStatus;
  severity: Severity;
  firstSeen: string;
  /** occurredAt of the event that set the current status; older events cannot undo it. */
  changedAt: string;
  repeats: number;
  requesterToken?: string;
  facility?: string;
  department?: string;
  /** How a report came to be here, when a rule attached it from another signature. */
  attachedBy?: RuleRef & { score: number };
}

export interface IncidentLink {
  incidentId: string;
  signature: string;
}

export interface Suggestion {
  id: string;
  from: IncidentLink;
  score: number;
  rule: RuleRef;
  title: string;
}

/** Durable timers: due instants live in the snapshot and are re-armed from it after a restart. */
export interface Timers {
  groupWait?: string;
  autoResolve?: string;
  flapEnd?: string;
  escalate?: string;
}

export type Origin = 'machine' | 'report' | 'identity';

export interface IncidentBody {
  id: string;
  signature: string;
  episode: number;
  origin: Origin;
  title: string;
  errorSignature?: string;
  severity: Severity;
  priority: Priority;
  priorityRule: RuleRef;
  /** The helpdesk queue that owns the ticket, and the routing rule that chose it. */
  queue: string;
  routingRule: RuleRef;
  system: string;
  /** Names and hierarchy from the EHR directory; null when enrichment is off. */
  context: EnrichedContext | null;
  /** The facility the incident is about, or null when it is not tied to one (an enterprise-wide outage). */
  scope: string | null;
  facilities: string[];
  departments: string[];
  firstSeen: string;
  lastSeen: string;
  openedAt: string;
  resolvedAt: string | null;
  patientImpact: boolean;
  correlationId: string;
  window: RuleRef;
  children: Record<string, Child>;
  acknowledged: { by: string; at: string } | null;
  parent: (IncidentLink & { rule: RuleRef }) | null;
  suppressed: RuleRef | null;
  /** ticket.opened has been emitted (after groupWait); later ticket events only make sense then. */
  ticketed: boolean;
  /** When the ticket was opened (or last reopened): escalation steps count from here. */
  ticketOpenedAt: string | null;
  /** Escalation steps already taken since the ticket opened. */
  escalationStep: number;
  /** Instants of recent open↔resolved changes, for flap detection. */
  flaps: string[];
  timers: Timers;
  suggestions: Suggestion[];
  /** Normalised words of the title and attached reports: what report matching compares against. */
  vocabulary: string[];
  /** Children split off to other incidents: their later events follow them there. */
  forwards: Record<string, string>;
}

export type LiveStatus = 'open' | 'acknowledged' | 'flapping' | 'resolved';

export type IncidentState =
  | { status: 'none'; signature: string }
  | { status: LiveStatus; signature: string; incident: IncidentBody }
  | { status: 'merged'; signature: string; incident: IncidentBody; into: IncidentLink };

export type IncidentStatus = Exclude<IncidentState['status'], 'none'>;
export type WithIncident = Extract<IncidentState, { incident: IncidentBody }>;

export const emptyState = (signature: string): IncidentState => ({ status: 'none', signature });

/** Open in the sense that matters for correlation: something is still wrong. */
export function isActive(status: IncidentState['status']): status is 'open' | 'acknowledged' | 'flapping' {
  return status === 'open' || status === 'acknowledged' || status === 'flapping';
}

/**
 * Incident ids are derived, not drawn at random, so that replaying the same journal on another
 * instance produces the same ids; the episode separates incidents of one signature over time.
 */
export function incidentIdFor(signature: string, episode: number): string {
  const hex = createHash('sha256').update(`${signature}#${episode}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function childrenOf(incident: IncidentBody): Child[] {
  return Object.values(incident.children);
}

export function requesterTokens(incident: IncidentBody): string[] {
  const tokens = new Set<string>();
  for (const child of childrenOf(incident)) if (child.requesterToken) tokens.add(child.requesterToken);
  return [...tokens].sort();
}

export function distinctRequesters(incident: IncidentBody): number {
  return requesterTokens(incident).length;
}

export function firingChildren(incident: IncidentBody): number {
  return childrenOf(incident).filter((child) => child.status === 'firing').length;
}

export function nextDueAt(state: IncidentState): string | null {
  if (state.status === 'none') return null;
  const due = Object.values(state.incident.timers).filter((v): v is string => typeof v === 'string').sort();
  return due[0] ?? null;
}

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
  /** Children by key, in buckets: see putChildren. Read with childrenOf / childOf. */
  children: ChildBuckets;
  /** Running counts over the children, kept by putChildren so no transition has to scan them. */
  tally: Tally;
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

// Children are the one part of an incident that can grow large (a storm of thousands of alerts).
// Copying a plain map on every event would make each event cost O(children); a two-level map with a
// fixed number of buckets keeps transitions pure and JSON-serialisable while an update copies only
// one bucket (~n/64 entries) and the 64-entry top level.
export type ChildBuckets = Record<string, Record<string, Child>>;

export interface Tally {
  children: number;
  firing: number;
  /** Requester token → how many children carry it. */
  requesters: Record<string, number>;
  kinds: EventKind[];
  sources: string[];
}

const BUCKETS = 64;

export const emptyTally = (): Tally => ({ children: 0, firing: 0, requesters: {}, kinds: [], sources: [] });

function bucketOf(key: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return ((hash >>> 0) % BUCKETS).toString(36);
}

export function childOf(incident: IncidentBody, key: string): Child | undefined {
  return incident.children[bucketOf(key)]?.[key];
}

/** Every child, oldest first (then by key): a stable order for tickets and bulk commands. */
export function childrenOf(incident: IncidentBody): Child[] {
  return Object.values(incident.children)
    .flatMap((bucket) => Object.values(bucket))
    .sort((a, b) => (a.firstSeen === b.firstSeen ? (a.key < b.key ? -1 : 1) : a.firstSeen < b.firstSeen ? -1 : 1));
}

/** Writes children (new or changed) and keeps the tally in step: the only way children change. */
export function putChildren(incident: IncidentBody, children: Child[]): IncidentBody {
  if (children.length === 0) return incident;
  const buckets: ChildBuckets = { ...incident.children };
  const copied = new Set<string>();
  let { children: count, firing } = incident.tally;
  let requesters = incident.tally.requesters;
  let { kinds, sources } = incident.tally;
  for (const child of children) {
    const b = bucketOf(child.key);
    if (!copied.has(b)) {
      buckets[b] = { ...buckets[b] };
      copied.add(b);
    }
    const bucket = buckets[b];
    const previous = bucket[child.key];
    bucket[child.key] = child;
    if (!previous) count += 1;
    firing += (child.status === 'firing' ? 1 : 0) - (previous?.status === 'firing' ? 1 : 0);
    if (previous?.requesterToken !== child.requesterToken) requesters = moveToken(requesters, previous?.requesterToken, child.requesterToken);
    if (!kinds.includes(child.kind)) kinds = [...kinds, child.kind].sort();
    if (!sources.includes(child.source.type)) sources = [...sources, child.source.type].sort();
  }
  return { ...incident, children: buckets, tally: { children: count, firing, requesters, kinds, sources } };
}

/** Removes children (split off to another incident), keeping the tally in step. */
export function dropChildren(incident: IncidentBody, keys: string[]): IncidentBody {
  const buckets: ChildBuckets = { ...incident.children };
  let { children: count, firing } = incident.tally;
  let requesters = incident.tally.requesters;
  for (const key of keys) {
    const b = bucketOf(key);
    const child = buckets[b]?.[key];
    if (!child) continue;
    const { [key]: _, ...rest } = buckets[b];
    buckets[b] = rest;
    count -= 1;
    if (child.status === 'firing') firing -= 1;
    requesters = moveToken(requesters, child.requesterToken, undefined);
  }
  return { ...incident, children: buckets, tally: { ...incident.tally, children: count, firing, requesters } };
}

function moveToken(counts: Record<string, number>, from: string | undefined, to: string | undefined): Record<string, number> {
  const next = { ...counts };
  if (from !== undefined) {
    const left = (next[from] ?? 1) - 1;
    if (left <= 0) delete next[from];
    else next[from] = left;
  }
  if (to !== undefined) next[to] = (next[to] ?? 0) + 1;
  return next;
}

/** Builds buckets and tally from scratch (hydration from rows, adoption). */
export function withChildren(incident: IncidentBody, children: Child[]): IncidentBody {
  return putChildren({ ...incident, children: {}, tally: emptyTally() }, children);
}

export function requesterTokens(incident: IncidentBody): string[] {
  return Object.keys(incident.tally.requesters).sort();
}

export function distinctRequesters(incident: IncidentBody): number {
  return Object.keys(incident.tally.requesters).length;
}

export function firingChildren(incident: IncidentBody): number {
  return incident.tally.firing;
}

export function childCount(incident: IncidentBody): number {
  return incident.tally.children;
}

export function nextDueAt(state: IncidentState): string | null {
  if (state.status === 'none') return null;
  const due = Object.values(state.incident.timers).filter((v): v is string => typeof v === 'string').sort();
  return due[0] ?? null;
}

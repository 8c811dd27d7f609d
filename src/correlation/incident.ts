import { createHash } from 'node:crypto';
import type { EnrichedContext, EventKind, EventSource, EventStatus, Severity } from './canonical-event.js';
import type { Priority, RuleRef } from './rules.js';
import { ChildTrieWriter, findChild, leavesOf, type ChildTrie } from './child-trie.js';

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
  /** A report's own ticket in the helpdesk it came from (its `labels.helpdeskTicket`). */
  helpdeskTicket?: string;
  /** How a report came to be here, when a rule attached it from another signature. */
  attachedBy?: RuleRef & { score: number };
  /** The incident's `revision` at this child's last change (absent: before revisions were kept, told). */
  rev?: number;
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
  /** When children changed since the helpdesk was last told go out as one ticket.updated (the window's updateInterval). */
  update?: string;
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
  /** Children by key (see child-trie.ts). Read with childrenOf / childOf. */
  children: ChildTrie<Child>;
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
  /**
   * Counts changes to the children: each putChildren stamps what it writes with the next value.
   * Absent in snapshots written before it was kept (0).
   */
  revision?: number;
  /** The revision the helpdesk has been told of: children stamped above it are the next ticket event's delta. */
  told?: number;
  /**
   * The reach of the incidents it is the parent of, by their id (their facilities, and whether care
   * is hurt): a cause is routed and prioritised by everything it explains. Absent: none.
   */
  explains?: Record<string, Reach>;
  /** Its ticket was withheld at groupWait because a child's open ticket stood for it (lifecycle.ts). */
  heldByChild?: true;
  /**
   * The equipment its events name (`device`, `deviceId` or `asset` labels, lower case, at most
   * DEVICES_KEPT): two monitors naming one device under two system codes are one problem. Absent: none.
   */
  devices?: string[];
}

export const DEVICES_KEPT = 16;

/** The equipment an event names, lower case, if any. */
export function deviceOf(labels: Readonly<Record<string, string>> | undefined): string | undefined {
  const device = labels?.device ?? labels?.deviceId ?? labels?.asset;
  return device ? device.toLowerCase() : undefined;
}

export interface Reach {
  facilities: string[];
  patientImpact: boolean;
  /**
   * The queue of the child's own ticket while it is open (it opened before its cause was known):
   * a cause routed to that same queue has its ticket withheld while it is.
   */
  ticketHeld?: string;
}

/** The child incident whose open ticket, in the incident's own queue, already stands for it, if any. */
export function childHoldingTicket(incident: IncidentBody): string | undefined {
  for (const id in incident.explains ?? {}) if (incident.explains?.[id]?.ticketHeld === incident.queue) return id;
  return undefined;
}

/** Where an incident hurts, with what its child incidents (a dependency's, an outage's) say. */
export function reachOf(incident: IncidentBody): Reach {
  if (!incident.explains) return incident;
  let { facilities, patientImpact } = incident;
  for (const id in incident.explains) {
    const child = incident.explains[id];
    facilities = union(facilities, child.facilities);
    patientImpact ||= child.patientImpact;
  }
  return { facilities, patientImpact };
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

export interface Tally {
  children: number;
  firing: number;
  /** Requester token → how many children carry it. */
  requesters: Record<string, number>;
  kinds: EventKind[];
  sources: string[];
  /** The requesters' role codes (nurse, physician …), never who they are; absent in snapshots from before. */
  roles?: string[];
}

export const emptyTally = (): Tally => ({ children: 0, firing: 0, requesters: {}, kinds: [], sources: [] });

export function childOf(incident: IncidentBody, key: string): Child | undefined {
  return findChild(incident.children, key);
}

/** Every child, oldest first (then by key): a stable order for tickets and bulk commands. */
export function childrenOf(incident: IncidentBody): Child[] {
  const all: Child[] = [];
  for (const leaf of leavesOf(incident.children)) all.push(...leaf);
  return all.sort(oldestFirst);
}

const oldestFirst = (a: Child, b: Child) => (a.firstSeen === b.firstSeen ? (a.key < b.key ? -1 : 1) : a.firstSeen < b.firstSeen ? -1 : 1);

/** Children first seen at or after `since` (an ISO instant; '' for all), oldest first. */
export const childrenFirstSeenSince = (incident: IncidentBody, since: string): Child[] => childrenWhere(incident, (child) => child.firstSeen >= since);

/** Children stamped after `revision`, oldest first. */
export const childrenChangedSince = (incident: IncidentBody, revision: number): Child[] => childrenWhere(incident, (child) => (child.rev ?? 0) > revision);

/** The children that `keep` accepts, oldest first: a walk of the trie that sorts only what it keeps. */
function childrenWhere(incident: IncidentBody, keep: (child: Child) => boolean): Child[] {
  const kept: Child[] = [];
  for (const leaf of leavesOf(incident.children)) for (const child of leaf) if (keep(child)) kept.push(child);
  return kept.sort(oldestFirst);
}

/**
 * Writes children (new or changed) and keeps the tally in step: the only way children change. Each
 * call is one revision; the children written are stamped with it (a child made for this call can
 * carry `rev: nextRevision(incident)` already and is not copied).
 */
export function putChildren(incident: IncidentBody, children: Child[]): IncidentBody {
  if (children.length === 0) return incident;
  const rev = nextRevision(incident);
  return placeChildren(incident, children.map((child) => (child.rev === rev ? child : { ...child, rev })), rev);
}

export const nextRevision = (incident: IncidentBody): number => (incident.revision ?? 0) + 1;

/** Children whose change the helpdesk has not been told of yet. */
export const hasUntold = (incident: IncidentBody): boolean => (incident.revision ?? 0) > (incident.told ?? 0);

/** `revision`: the incident's new one, set in the same copy (putChildren); without it the incident keeps its own. */
function placeChildren(incident: IncidentBody, children: Child[], revision = incident.revision): IncidentBody {
  const trie = new ChildTrieWriter<Child>(incident.children);
  let { children: count, firing } = incident.tally;
  const requesters = new TokenCounts(incident.tally.requesters);
  let { kinds, sources } = incident.tally;
  for (const child of children) {
    const previous = trie.put(child);
    if (!previous) count += 1;
    firing += (child.status === 'firing' ? 1 : 0) - (previous?.status === 'firing' ? 1 : 0);
    if (previous?.requesterToken !== child.requesterToken) requesters.move(previous?.requesterToken, child.requesterToken);
    if (!kinds.includes(child.kind)) kinds = [...kinds, child.kind].sort();
    if (!sources.includes(child.source.type)) sources = [...sources, child.source.type].sort();
  }
  return { ...incident, children: trie.finish(), tally: { ...incident.tally, children: count, firing, requesters: requesters.result(), kinds, sources }, ...(revision === undefined ? {} : { revision }) };
}

/** Removes children (split off to another incident), keeping the tally in step. */
export function dropChildren(incident: IncidentBody, keys: string[]): IncidentBody {
  const trie = new ChildTrieWriter<Child>(incident.children);
  let { children: count, firing } = incident.tally;
  const requesters = new TokenCounts(incident.tally.requesters);
  for (const key of keys) {
    const child = trie.remove(key);
    if (!child) continue;
    count -= 1;
    if (child.status === 'firing') firing -= 1;
    requesters.move(child.requesterToken, undefined);
  }
  return { ...incident, children: trie.finish(), tally: { ...incident.tally, children: count, firing, requesters: requesters.result() } };
}

/**
 * Children per requester token, copied on the first change of a call and changed in place after:
 * a copy per child made rebuilding an incident of n children from rows (hydration) cost n copies
 * of a map as large as its distinct requesters.
 */
class TokenCounts {
  private counts: Record<string, number> | undefined;

  constructor(private readonly original: Record<string, number>) {}

  move(from: string | undefined, to: string | undefined): void {
    const next = (this.counts ??= { ...this.original });
    if (from !== undefined) {
      const left = (next[from] ?? 1) - 1;
      if (left <= 0) delete next[from];
      else next[from] = left;
    }
    if (to !== undefined) next[to] = (next[to] ?? 0) + 1;
  }

  result(): Record<string, number> {
    return this.counts ?? this.original;
  }
}

/** Builds buckets and tally from scratch (hydration from rows, adoption); the children keep their stamps. */
export function withChildren(incident: IncidentBody, children: Child[]): IncidentBody {
  return placeChildren({ ...incident, children: [], tally: emptyTally() }, children);
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

/** Two sorted lists of codes as one, sorted, without repeats; `values` itself when nothing is new. */
export function union(values: string[], more: string[]): string[] {
  return more.every((v) => values.includes(v)) ? values : [...new Set([...values, ...more])].sort();
}

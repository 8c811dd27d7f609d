import type { CanonicalEvent, EventSource } from './canonical-event.js';
import type { IndexEntry } from './correlation-index.js';
import { childOf, type Child, type IncidentState } from './incident.js';
import type { Command, IncidentMessage } from './messages.js';
import type { RuleRef } from './rules.js';

// What goes into correlation and what comes out of it, as plain data: the inputs the runtime
// feeds in, the deliveries routing addresses to actors, the outcome each input is answered with.
// A leaf of the core (route.ts and the runtime's delivery loop both read it).

/**
 * A source event that names only the child it ends: a PagerDuty resolve carries nothing but its
 * dedup key. Intake cannot know which incident holds that child (its trigger may still be in the
 * inbox, or in a batch not yet committed), so it appends this as it is and the correlator resolves
 * it when it runs, in order after everything before it: the holder's signature found
 * (World.holderOf), it becomes that child's own `resolved` event addressed there. A child no
 * incident holds is ignored (Outcome.ignored) and journaled nowhere, as PagerDuty accepts a
 * resolve for an unknown dedup key. Plain data: stored as JSON in the inbox.
 */
export interface ResolveInput {
  type: 'resolve';
  /** The source and id the child was kept under (id: the keyed token of the sender's key). */
  source: EventSource;
  id: string;
  occurredAt: string;
  receivedAt: string;
  correlationId: string;
}

/**
 * The incident holding a child, with what a resolve needs to stand in for that child's own event:
 * the child's kind, severity and place, and the incident's system and title (what its events
 * carried in). Every field was stored from an admitted event.
 */
export interface ChildHolder {
  signature: string;
  system: string;
  title: string;
  /** When the incident last saw an event: among several holders, the latest wins. */
  lastSeen: string;
  child: Pick<Child, 'kind' | 'severity' | 'facility' | 'department'>;
}

/** The holder of `childKey` among these states, if any (the latest seen, when several hold it). */
export function holderIn(states: Iterable<IncidentState>, childKey: string): ChildHolder | null {
  let found: ChildHolder | null = null;
  for (const state of states) {
    if (state.status === 'none') continue;
    const child = childOf(state.incident, childKey);
    if (!child || (found && found.lastSeen >= state.incident.lastSeen)) continue;
    const { system, title, lastSeen } = state.incident;
    found = { signature: state.signature, system, title, lastSeen, child: { kind: child.kind, severity: child.severity, ...(child.facility ? { facility: child.facility } : {}), ...(child.department ? { department: child.department } : {}) } };
  }
  return found;
}

export type Input =
  /** `signature` addresses a known incident directly (e.g. a resolve that names only a dedup key). */
  | { type: 'event'; event: CanonicalEvent; signature?: string }
  /** `incidentId` pins the command to one episode: a command for an incident since replaced is refused. */
  | { type: 'command'; signature: string; command: Command; incidentId?: string }
  | { type: 'tick'; signature: string }
  /** A delivery decided on another instance for an actor this one owns (see World.forward). */
  | { type: 'delivery'; signature: string; delivery: Delivery }
  | ResolveInput;

export interface Outcome {
  /** The incident the input ended up in (after routing and forwarding), if any. */
  incidentId: string | null;
  signature: string;
  duplicate: boolean;
  rejected?: string;
  /** Handed to the instance that owns the target actor: accepted (durably), not yet applied. */
  forwarded?: true;
  /** Nothing to apply, and why (a resolve for a child no incident holds): journaled nowhere. */
  ignored?: string;
  /** Set by the runtime: this input alone was set aside (nothing of it kept) so that the rest of its batch could commit. */
  quarantined?: Quarantine;
}

/**
 * Why the runtime set one input aside: the database refused what it produced (`unstorable`), or
 * correlating it threw (`correlation-failed`, a fault in a rule or the core). `detail` is safe to
 * show the sender: it never quotes the database's error text or the event.
 */
export interface Quarantine {
  reason: 'unstorable' | 'correlation-failed';
  detail: string;
}

/** One message for one actor; plain data, so it can travel to the instance that owns the actor. */
export interface Delivery {
  to: string;
  message: IncidentMessage;
  /** This delivery carries the input itself (not a consequence of it): its result is the outcome. */
  primary: boolean;
  suggest?: { target: IndexEntry; score: number; rule: RuleRef };
}

/**
 * The child's own `resolved` event, as its source would have sent it: the resolve's id, source and
 * instants, the child's kind, severity and place, the incident's system and title. Nothing in it
 * comes from the sender but what intake admitted in the resolve (a keyed id, a checked system),
 * so it passes admission as every event did.
 */
export function resolvedEvent(resolve: ResolveInput, holder: ChildHolder): CanonicalEvent {
  const { child } = holder;
  return {
    id: resolve.id,
    schemaVersion: '1',
    kind: child.kind,
    source: resolve.source,
    occurredAt: resolve.occurredAt,
    receivedAt: resolve.receivedAt,
    status: 'resolved',
    severity: child.severity,
    system: holder.system,
    symptom: holder.title,
    patientImpact: false,
    correlationId: resolve.correlationId,
    ...(child.facility ? { facility: child.facility } : {}),
    ...(child.department ? { department: child.department } : {}),
  };
}

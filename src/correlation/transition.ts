import type { IncidentState } from './incident.js';
import type { IncidentMessage } from './messages.js';
import type { RuleRef, RuleSet } from './rules.js';
import type { SourceInterner } from './source-interner.js';

// What an incident's actor decides: a leaf of the core (types only), shared by the dispatcher
// (evolve.ts), the handlers (fold-event, lifecycle, commands) and the runtime that carries the
// effects out.

export type JournalKind =
  | 'incident.opened'
  | 'incident.resolved'
  | 'incident.reopened'
  | 'incident.acknowledged'
  | 'incident.flapping'
  | 'incident.stable'
  | 'incident.prioritized'
  | 'incident.routed'
  | 'incident.enriched'
  | 'incident.parented'
  | 'incident.unparented'
  | 'incident.suppressed'
  | 'incident.unsuppressed'
  | 'incident.merged'
  | 'incident.absorbed'
  | 'incident.split'
  | 'incident.adopted'
  | 'child.attached'
  | 'child.repeated'
  | 'child.resolved'
  | 'child.refired'
  | 'event.forwarded'
  | 'suggestion.added'
  | 'suggestion.confirmed'
  | 'suggestion.rejected'
  | 'command.rejected'
  | 'ticket.opened'
  | 'ticket.updated'
  | 'ticket.resolved'
  | 'ticket.reopened'
  | 'ticket.merged'
  | 'ticket.flapping'
  | 'ticket.withheld'
  | 'ticket.escalated';

export interface JournalEntry {
  kind: JournalKind;
  incidentId: string;
  /** The child this entry is about, if any: the runtime refreshes exactly these read-model rows. */
  childKey?: string;
  /** The rule that caused this decision, when one did. */
  rule?: RuleRef;
  correlationId: string;
  at: string;
  data: Record<string, unknown>;
}

/** Effects are data: the actor runtime carries them out; evolve performs no I/O. */
export type Effect =
  | { type: 'journal'; entry: JournalEntry }
  /** A message for another incident's actor, delivered in the same batch. */
  | { type: 'send'; to: string; message: IncidentMessage };

export interface Transition {
  state: IncidentState;
  effects: Effect[];
  /** Set when a command could not be carried out; the caller is told why. */
  rejected?: string;
}

export interface Context {
  now: Date;
  /** `now` as an ISO instant, formatted once per message: every transition stamps it, often several times. */
  nowIso: string;
  rules: RuleSet;
  /** Where new children get their shared source object; without one each keeps its event's. */
  sources?: SourceInterner;
}

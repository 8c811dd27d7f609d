import type { CanonicalEvent } from './canonical-event.js';
import { handleCommand, type Command } from './commands.js';
import { foldEvent, type Route } from './fold-event.js';
import type { Child, IncidentBody, IncidentLink, IncidentState, Suggestion } from './incident.js';
import { absorb, adopt, reassess, reparent, suggest, tick } from './lifecycle.js';
import type { RuleRef, RuleSet } from './rules.js';

/** Everything that can happen to an incident is one of these, handled one at a time by its actor. */
export type IncidentMessage =
  | { type: 'event'; event: CanonicalEvent; route?: Route }
  | { type: 'tick' }
  | { type: 'command'; command: Command }
  /** A merged incident's children arriving at the incident it was merged into. */
  | { type: 'absorb'; from: IncidentLink; children: Child[]; by: string }
  /** Children split off another incident, forming a new one here. */
  | { type: 'adopt'; from: IncidentLink; children: Child[]; title: string; template: IncidentBody; by: string }
  | { type: 'reparent'; parent: (IncidentLink & { rule: RuleRef }) | null }
  | { type: 'suggest'; suggestion: Suggestion };

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
  rules: RuleSet;
}

export function evolve(state: IncidentState, message: IncidentMessage, now: Date, rules: RuleSet): Transition {
  const context: Context = { now, rules };
  return reassess(dispatch(state, message, context), context);
}

function dispatch(state: IncidentState, message: IncidentMessage, context: Context): Transition {
  switch (message.type) {
    case 'event':
      return foldEvent(state, message.event, message.route ?? {}, context);
    case 'tick':
      return tick(state, context);
    case 'command':
      return handleCommand(state, message.command, context);
    case 'absorb':
      return absorb(state, message, context);
    case 'adopt':
      return adopt(state, message, context);
    case 'reparent':
      return reparent(state, message.parent, context);
    case 'suggest':
      return suggest(state, message.suggestion, context);
    default:
      return assertNever(message);
  }
}

/**
 * True when the transition only counted an exact repeat of an event already folded in: a
 * duplicate to the sender. The update held back by updateInterval may go out with it (a
 * `ticket.updated` with no data of its own); that would have gone out at the next tick anyway and
 * does not make the event news.
 */
export function isRepeat(transition: Transition): boolean {
  return transition.effects.every(
    (effect) => effect.type === 'journal' && (effect.entry.kind === 'child.repeated' || (effect.entry.kind === 'ticket.updated' && isEmpty(effect.entry.data))),
  );
}

function isEmpty(data: Record<string, unknown>): boolean {
  for (const _ in data) return false;
  return true;
}

export function journalEntries(transition: Transition): JournalEntry[] {
  return transition.effects.flatMap((effect) => (effect.type === 'journal' ? [effect.entry] : []));
}

export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}

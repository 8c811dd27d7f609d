import type { CanonicalEvent } from './canonical-event.js';
import type { Child, IncidentBody, IncidentLink, Suggestion } from './incident.js';
import type { RuleRef } from './rules.js';

// What an incident's actor is given: a leaf of the core (types only), so the handlers and the
// dispatcher import it and not each other.

/** What the correlator decided about an event before handing it to this actor. */
export interface Route {
  /** The signature rule that produced the actor's signature. */
  signatureRule?: RuleRef;
  /** A report attached here from another signature by a report or identity rule. */
  attach?: RuleRef & { score: number };
  /** The spread rule that took this event to an incident opened at another facility (a system of unknown scope). */
  spread?: RuleRef;
  /** The system and facility rules that put the event's codes in canonical form (names.ts). */
  namedBy?: RuleRef[];
}

/**
 * What an agent (or the helpdesk on their behalf) asks of an incident. `by` is who, for the audit
 * trail. `requestId` names one request: the command's journal rows (a rejection's too) carry it as
 * `request`, so an instance that forwarded the command to the incident's owner can tell when, and
 * how, the owner applied it.
 */
export type Command = (
  /**
   * `origin`: the helpdesk destination the command came from (`helpdesk:rt`, an agent resolving the
   * ticket there): the ticket event it makes is not sent back to it.
   */
  | { verb: 'acknowledge' | 'reopen'; by: string; note?: string; origin?: string }
  /** `change`: the change record that fixed it (CHG0042123), a code the helpdesk can link. */
  | { verb: 'resolve'; by: string; note?: string; change?: string; origin?: string }
  | { verb: 'merge'; by: string; into: IncidentLink; note?: string }
  | { verb: 'split'; by: string; children: string[]; note?: string }
  | { verb: 'confirm-suggestion' | 'reject-suggestion'; by: string; suggestionId: string }
) & { requestId?: string };

export type Verb = Command['verb'];

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
  /** A child incident's reach, told to its parent when it changes (`gone`: no longer its child). */
  | { type: 'impact'; from: IncidentLink; facilities: string[]; patientImpact: boolean; gone?: boolean; ticketHeld?: string }
  /**
   * A person's account changed after they reported: the identity incident asks for their reports
   * (children of this incident) to come over, as the identity rule says they belong there.
   */
  | { type: 'release'; to: IncidentLink; childKeys: string[]; rule: RuleRef }
  | { type: 'suggest'; suggestion: Suggestion };

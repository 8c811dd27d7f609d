import type { Effect, JournalEntry, JournalKind, Transition } from './transition.js';
import type { IncidentMessage } from './messages.js';
import type { IncidentBody, IncidentState } from './incident.js';
import type { RuleRef } from './rules.js';

/** Collects what one message decided, in order, and turns it into a Transition. */
export class Decisions {
  readonly effects: Effect[] = [];

  constructor(
    readonly at: string,
    readonly correlationId: string,
    /** Added to every row's data (a command's `request`, so whoever forwarded it can find its outcome). */
    private readonly stamp?: Record<string, unknown>,
  ) {}

  journal(kind: JournalKind, incident: Pick<IncidentBody, 'id'>, data: Record<string, unknown> = {}, extras: { childKey?: string; rule?: RuleRef } = {}): void {
    const entry: JournalEntry = { kind, incidentId: incident.id, correlationId: this.correlationId, at: this.at, data: this.stamp ? { ...data, ...this.stamp } : data };
    if (extras.childKey !== undefined) entry.childKey = extras.childKey;
    if (extras.rule !== undefined) entry.rule = { id: extras.rule.id, version: extras.rule.version };
    this.effects.push({ type: 'journal', entry });
  }

  send(to: string, message: IncidentMessage): void {
    this.effects.push({ type: 'send', to, message });
  }

  done(state: IncidentState, rejected?: string): Transition {
    return rejected === undefined ? { state, effects: this.effects } : { state, effects: this.effects, rejected };
  }
}

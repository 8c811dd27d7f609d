import type { CanonicalEvent } from './canonical-event.js';
import type { Command } from './commands.js';
import { Correlator, type Input, type Outcome } from './correlator.js';
import type { JournalEntry } from './evolve.js';
import { emptyState, nextDueAt, type IncidentBody, type IncidentState, type IncidentStatus } from './incident.js';
import type { RuleSet } from './rules.js';

export interface SimulatedIncident {
  status: IncidentStatus;
  incident: IncidentBody;
}

/**
 * corral's correlation without a database or a bus: actors in a Map, committed at once. Used by
 * `corral rules test` to run rule cases, and by property tests; the runtime does the same with
 * Postgres behind it.
 */
export class Simulation {
  readonly states = new Map<string, IncidentState>();
  readonly journal: Array<JournalEntry & { signature: string }> = [];
  /** Every incident ever opened, by id, as it last was (earlier episodes included). */
  readonly incidents = new Map<string, SimulatedIncident>();
  readonly correlator: Correlator;

  constructor(rules: RuleSet, correlator?: Correlator) {
    this.correlator = correlator ?? new Correlator(rules);
  }

  /** A simulation continuing from saved states, as the runtime continues from snapshots. */
  static restore(rules: RuleSet, states: IncidentState[]): Simulation {
    const simulation = new Simulation(rules);
    for (const state of states) {
      simulation.states.set(state.signature, state);
      simulation.correlator.index.apply(state);
    }
    return simulation;
  }

  send(input: Input, now: Date): Promise<Outcome> {
    return this.correlator.handle(
      input,
      {
        load: (signature) => this.states.get(signature) ?? emptyState(signature),
        store: (signature, transition, entries) => {
          this.states.set(signature, transition.state);
          this.journal.push(...entries.map((entry) => ({ ...entry, signature })));
          if (transition.state.status !== 'none') {
            this.incidents.set(transition.state.incident.id, { status: transition.state.status, incident: transition.state.incident });
          }
        },
      },
      now,
    );
  }

  event(event: CanonicalEvent, now: Date): Promise<Outcome> {
    return this.send({ type: 'event', event }, now);
  }

  command(incidentId: string, command: Command, now: Date): Promise<Outcome> {
    const found = this.incidents.get(incidentId);
    if (!found) throw new Error(`no incident ${incidentId}`);
    return this.send({ type: 'command', signature: found.incident.signature, command, incidentId }, now);
  }

  /** Fires every timer due by `now`, as the runtime's timekeeper would. */
  async tick(now: Date): Promise<void> {
    const due = [...this.states.values()].filter((state) => {
      const at = nextDueAt(state);
      return at !== null && at <= now.toISOString();
    });
    for (const state of due) await this.send({ type: 'tick', signature: state.signature }, now);
  }

  list(): SimulatedIncident[] {
    return [...this.incidents.values()];
  }
}

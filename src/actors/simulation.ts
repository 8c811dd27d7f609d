import type { CanonicalEvent } from '../correlation/canonical-event.js';
import type { Command } from '../correlation/messages.js';
import { holderIn, type Input, type Outcome } from '../correlation/inputs.js';
import { Correlator } from './correlator.js';
import type { JournalEntry } from '../correlation/transition.js';
import { childCount, childOf, distinctRequesters, emptyState, nextDueAt, type IncidentBody, type IncidentState, type IncidentStatus } from '../correlation/incident.js';
import type { ObservedIncident, RuleCase } from '../correlation/rule-cases.js';
import type { RuleSet } from '../correlation/rules.js';

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
  /** A merged incident's id → the incident it was merged into, kept as the journal says so. */
  private readonly merges = new Map<string, string>();
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
    this.correlator.beginBatch();
    return this.correlator.handle(
      input,
      {
        load: (signature) => this.states.get(signature) ?? emptyState(signature),
        holderOf: (childKey) => holderIn(this.states.values(), childKey),
        store: (signature, transition, entries) => {
          this.states.set(signature, transition.state);
          this.journal.push(...entries.map((entry) => ({ ...entry, signature })));
          for (const entry of entries) if (entry.kind === 'incident.merged' && typeof entry.data.into === 'string') this.merges.set(entry.incidentId, entry.data.into);
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

  /**
   * Where an input's child is now, and the group it belongs to: the incident it went to, unless
   * the child has moved since (a merge, a split, an identity pull), and that incident's root
   * through dependency parents and merges. `landed` is the input's outcome.
   */
  placeOf(childKey: string, landed: string | null): { incident: string | null; root: string | null } {
    const landedIn = landed ? this.incidents.get(landed) : undefined;
    let incident = landed;
    if (!landedIn || landedIn.status === 'merged' || !childOf(landedIn.incident, childKey)) {
      let found: { id: string; lastSeen: string } | null = null;
      for (const [id, { status, incident: body }] of this.incidents) {
        if (status === 'merged' || !childOf(body, childKey)) continue;
        if (!found || body.lastSeen > found.lastSeen) found = { id, lastSeen: body.lastSeen };
      }
      incident = found?.id ?? landed;
    }
    return { incident, root: incident ? this.rootOf(incident) : null };
  }

  /** The incident at the top of `id`'s dependency parents and merges. */
  rootOf(id: string): string {
    const seen = new Set<string>();
    let current = id;
    while (!seen.has(current)) {
      seen.add(current);
      const found = this.incidents.get(current);
      const next = found?.status === 'merged' ? this.merges.get(current) : found?.incident.parent?.incidentId;
      if (!next || !this.incidents.has(next)) break;
      current = next;
    }
    return current;
  }

  /** How many `ticket.opened` each incident decided. */
  ticketsOpened(): Map<string, number> {
    const opened = new Map<string, number>();
    for (const entry of this.journal) if (entry.kind === 'ticket.opened') opened.set(entry.incidentId, (opened.get(entry.incidentId) ?? 0) + 1);
    return opened;
  }

  list(): SimulatedIncident[] {
    return [...this.incidents.values()];
  }
}

/** The simulation's incidents in the shape rule cases compare. */
export function observe(simulation: Simulation): ObservedIncident[] {
  const byId = simulation.incidents;
  return simulation.list().map(({ status, incident }) => ({
    id: incident.id,
    system: incident.system,
    facilities: incident.facilities,
    episode: incident.episode,
    status,
    children: childCount(incident),
    requesters: distinctRequesters(incident),
    priority: incident.priority,
    parentSystem: incident.parent ? (byId.get(incident.parent.incidentId)?.incident.system ?? null) : null,
    suppressed: incident.suppressed !== null,
    tickets: simulation.journal.filter((e) => e.incidentId === incident.id && e.kind.startsWith('ticket.')).map((e) => e.kind),
  }));
}

/** Runs one rule case in memory; timers due at each step fire before its events. */
export async function runCase(rules: RuleSet, ruleCase: RuleCase): Promise<ObservedIncident[]> {
  const simulation = new Simulation(rules);
  const start = Date.parse(ruleCase.start);
  for (const step of ruleCase.steps) {
    const now = new Date(start + step.atMs);
    await simulation.tick(now);
    for (const event of step.events) await simulation.event(event, now);
    for (const command of step.commands) {
      const target = simulation.list().find((i) => i.incident.system === command.system && i.status !== 'merged');
      if (target) await simulation.command(target.incident.id, { verb: command.verb, by: command.by }, now);
    }
  }
  return observe(simulation);
}

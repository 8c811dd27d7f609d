import { evolve, isRepeat, type IncidentMessage } from '../correlation/evolve.js';
import type { Actor, ActorRegistry } from './actor-registry.js';
import type { ActorChange, ActorStore } from './actor-store.js';
import type { Clock } from './clock.js';
import { chainRow, type ChainedJournalRow } from './journal-chain.js';

export interface Envelope {
  signature: string;
  message: IncidentMessage;
}

export interface Outcome {
  incidentId: string;
  /** The message was an exact repeat: it bumped a counter and changed nothing else. */
  duplicate: boolean;
}

interface Slot {
  envelope: Envelope;
  index: number;
}

/**
 * Runs one batch: every touched actor takes its turn over its mailbox, the resulting journal rows,
 * snapshots and read models are committed in one transaction, and only then do the actors adopt
 * their new states. If the commit fails the actors are evicted, so the retry starts again from
 * what the database holds and nothing is counted twice.
 */
export class BatchExecutor {
  constructor(
    private readonly registry: ActorRegistry<Slot>,
    private readonly store: ActorStore,
    private readonly clock: Clock,
  ) {}

  async run(envelopes: Envelope[]): Promise<Outcome[]> {
    const actors = await this.hydrate(envelopes);
    envelopes.forEach((envelope, index) => actors.get(envelope.signature)?.mailbox.post({ envelope, index }));

    const outcomes: Outcome[] = new Array<Outcome>(envelopes.length);
    const changes = [...actors.values()].map((actor) => this.takeTurn(actor, outcomes));

    try {
      await this.store.commit(changes);
    } catch (error) {
      this.registry.evict(actors.keys());
      throw error;
    }
    for (const change of changes) {
      const actor = actors.get(change.snapshot.signature);
      if (!actor) continue;
      actor.state = change.snapshot.state;
      actor.seq = change.snapshot.seq;
      actor.lastHash = change.snapshot.lastHash;
    }
    return outcomes;
  }

  private async hydrate(envelopes: Envelope[]): Promise<Map<string, Actor<Slot>>> {
    const signatures = [...new Set(envelopes.map((envelope) => envelope.signature))];
    const loaded = await Promise.all(signatures.map((signature) => this.registry.get(signature)));
    return new Map(loaded.map((actor) => [actor.signature, actor]));
  }

  /** Evolves a copy of the actor's state over its mailbox; the actor itself changes only after COMMIT. */
  private takeTurn(actor: Actor<Slot>, outcomes: Outcome[]): ActorChange {
    let { state, seq, lastHash } = actor;
    const journal: ChainedJournalRow[] = [];
    const touched = new Set<string>();

    for (const { envelope, index } of actor.mailbox.drain()) {
      const transition = evolve(state, envelope.message, this.clock.now());
      for (const effect of transition.effects) {
        switch (effect.type) {
          case 'journal': {
            seq += 1;
            const row = chainRow(actor.signature, seq, lastHash, effect.entry);
            lastHash = row.rowHash;
            journal.push(row);
            if (effect.entry.childKey !== undefined) touched.add(effect.entry.childKey);
            break;
          }
          default:
            assertNever(effect.type);
        }
      }
      state = transition.state;
      if (state.status === 'none') throw new Error(`actor ${actor.signature} produced no incident`);
      outcomes[index] = { incidentId: state.incident.id, duplicate: isRepeat(transition) };
    }
    return { snapshot: { signature: actor.signature, seq, lastHash, state }, journal, touchedChildren: [...touched] };
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled effect: ${JSON.stringify(value)}`);
}

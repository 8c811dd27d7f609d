import { emptyState, type IncidentState } from '../correlation/incident.js';
import type { ActorStore } from './actor-store.js';
import { GENESIS_HASH } from './journal-chain.js';
import { Mailbox } from './mailbox.js';

/** A live actor: the committed state of one signature and the messages waiting for its next turn. */
export class Actor<M> {
  readonly mailbox = new Mailbox<M>();

  constructor(
    readonly signature: string,
    public state: IncidentState,
    public seq: number,
    public lastHash: string,
  ) {}
}

/**
 * Live actors by signature. An actor is hydrated from its snapshot the first time it is asked for;
 * concurrent first asks share one load.
 */
export class ActorRegistry<M> {
  private readonly live = new Map<string, Actor<M>>();
  private readonly loading = new Map<string, Promise<Actor<M>>>();

  constructor(private readonly store: ActorStore) {}

  get size(): number {
    return this.live.size;
  }

  async get(signature: string): Promise<Actor<M>> {
    const actor = this.live.get(signature);
    if (actor) return actor;
    const pending = this.loading.get(signature) ?? this.hydrate(signature);
    this.loading.set(signature, pending);
    return pending;
  }

  /** Drops actors whose in-memory state may be ahead of the database (a failed commit). */
  evict(signatures: Iterable<string>): void {
    for (const signature of signatures) this.live.delete(signature);
  }

  private async hydrate(signature: string): Promise<Actor<M>> {
    try {
      const snapshot = await this.store.load(signature);
      const actor = snapshot
        ? new Actor<M>(signature, snapshot.state, snapshot.seq, snapshot.lastHash)
        : new Actor<M>(signature, emptyState(signature), 0, GENESIS_HASH);
      this.live.set(signature, actor);
      return actor;
    } finally {
      this.loading.delete(signature);
    }
  }
}

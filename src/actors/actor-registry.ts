import { emptyState, type IncidentState } from '../correlation/incident.js';
import type { ActorSnapshot, ActorStore } from './actor-store.js';
import { GENESIS_HASH } from './journal-chain.js';

/** A live actor: the committed state of one signature and the tip of its journal chain. */
export class Actor {
  lastUsed = 0;
  /** When the actor last took its place at the end of the LRU order (at most once a second). */
  orderedAt = 0;
  /** Prepared batches not yet committed: an actor ahead of the database must not be passivated. */
  inflight = 0;

  constructor(
    readonly signature: string,
    public state: IncidentState,
    public seq: number,
    public lastHash: string,
  ) {}
}

export interface RegistryOptions {
  /** Most actors kept in memory; beyond it the least recently used leave first. */
  maxLive: number;
  /** An actor unused for this long leaves memory at the next sweep. */
  idleMs: number;
}

/**
 * Live actors by signature. An actor is hydrated from its snapshot the first time it is asked for
 * (concurrent first asks share one load) and passivated when idle or crowded out. Snapshots are
 * written at every commit, so passivation only drops memory: nothing needs saving first.
 */
export class ActorRegistry {
  private readonly live = new Map<string, Actor>();
  private readonly loading = new Map<string, Promise<Actor>>();
  hydrations = 0;
  passivations = 0;

  constructor(
    private readonly store: ActorStore,
    private readonly options: RegistryOptions = { maxLive: 100_000, idleMs: 10 * 60_000 },
    private readonly clock: () => number = Date.now,
  ) {}

  get size(): number {
    return this.live.size;
  }

  async get(signature: string): Promise<Actor> {
    const actor = this.touch(signature);
    if (actor) return actor;
    const pending = this.loading.get(signature) ?? this.hydrate(signature);
    this.loading.set(signature, pending);
    return pending;
  }

  /** The actor if it is in memory, marked as just used; no promise, for the batch's hot path. */
  touch(signature: string): Actor | undefined {
    const actor = this.live.get(signature);
    if (actor) {
      const now = this.clock();
      // Map order is insertion order: re-inserting keeps the least recently used first. Once a
      // second is enough for that order (idle limits are minutes), and spares a delete and a set
      // for every event on a busy actor.
      if (now - actor.orderedAt >= 1000) {
        this.live.delete(signature);
        this.live.set(signature, actor);
        actor.orderedAt = now;
      }
      actor.lastUsed = now;
    }
    return actor;
  }

  peek(signature: string): Actor | undefined {
    return this.live.get(signature);
  }

  /** Drops actors whose in-memory state may be ahead of the database (a failed commit). */
  evict(signatures: Iterable<string>): void {
    for (const signature of signatures) this.live.delete(signature);
  }

  /** Drops every live actor whose signature matches: a partition handed over or taken over. */
  evictWhere(matches: (signature: string) => boolean): number {
    let dropped = 0;
    for (const signature of [...this.live.keys()]) {
      if (!matches(signature)) continue;
      this.live.delete(signature);
      dropped += 1;
    }
    return dropped;
  }

  /** Passivates idle actors, and the least recently used beyond `keep` (the cap). */
  sweep(keep = this.options.maxLive): number {
    const before = this.live.size;
    const idleBefore = this.clock() - this.options.idleMs;
    for (const [signature, actor] of this.live) {
      if (actor.inflight > 0) continue;
      if (actor.lastUsed < idleBefore || this.live.size > keep) this.live.delete(signature);
      else if (this.live.size <= keep) break;
    }
    const dropped = before - this.live.size;
    this.passivations += dropped;
    return dropped;
  }

  /**
   * Makes every one of these signatures live, hydrating those not yet in memory with one read:
   * a batch's first stops, where one query per new signature would queue hundreds of round trips
   * behind each other during a storm of new alerts.
   */
  async getMany(signatures: Iterable<string>): Promise<void> {
    const missing: string[] = [];
    const waits: Array<Promise<Actor>> = [];
    for (const signature of signatures) {
      if (this.touch(signature)) continue;
      const pending = this.loading.get(signature);
      if (pending) waits.push(pending);
      else missing.push(signature);
    }
    if (missing.length > 0) {
      const snapshots = this.store.loadMany(missing);
      for (const signature of missing) {
        const pending = this.adopt(signature, snapshots.then((found) => found.get(signature) ?? null));
        this.loading.set(signature, pending);
        waits.push(pending);
      }
    }
    if (waits.length > 0) await Promise.all(waits);
  }

  private hydrate(signature: string): Promise<Actor> {
    return this.adopt(signature, this.store.load(signature));
  }

  private async adopt(signature: string, loaded: Promise<ActorSnapshot | null>): Promise<Actor> {
    try {
      const snapshot = await loaded;
      const actor = snapshot
        ? new Actor(signature, snapshot.state, snapshot.seq, snapshot.lastHash)
        : new Actor(signature, emptyState(signature), 0, GENESIS_HASH);
      actor.lastUsed = actor.orderedAt = this.clock();
      // Room first, then the newcomer: swept after, it could be the one taken out (when every actor
      // ahead of it is in flight), and the caller would work on an actor no longer in memory.
      if (this.live.size >= this.options.maxLive) this.sweep(this.options.maxLive - 1);
      this.live.set(signature, actor);
      this.hydrations += 1;
      return actor;
    } finally {
      this.loading.delete(signature);
    }
  }
}

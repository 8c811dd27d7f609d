import { holderIn, type ChildHolder, type Input, type Outcome } from '../correlation/inputs.js';
import type { Correlator, World } from './correlator.js';
import { childKeyOf } from '../correlation/canonical-event.js';
import type { JournalEntry, JournalKind, Transition } from '../correlation/transition.js';
import { childOf, childrenOf, nextDueAt, type IncidentState } from '../correlation/incident.js';
import { ticketEventsOf } from '../correlation/tickets.js';
import type { Actor, ActorRegistry } from './actor-registry.js';
import type { ActorChange, ActorStore, StagedCommit } from './actor-store.js';
import type { ChainKeys } from './chain-keys.js';
import type { Clock } from './clock.js';
import { chainRow, type ChainedJournalRow } from './journal-chain.js';
import type { Forward, Ownership } from './ownership.js';

export type { Input, Outcome };

/**
 * Correlating the input at `index` threw: a fault in a rule or in the core, which that input
 * would hit on every attempt. Nothing of the batch was applied; the batch can run again without it.
 */
export class CorrelationFailure extends Error {
  constructor(
    readonly index: number,
    override readonly cause: unknown,
  ) {
    super(`correlating input ${index} of the batch failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'CorrelationFailure';
  }
}

/** Reading an actor failed (the database, not the input): rethrown as it was, never blamed on an input. */
class LoadFailure extends Error {
  constructor(override readonly cause: unknown) {
    super('reading an actor failed');
  }
}

/** One actor's uncommitted turn results within the current batch. */
interface Pending {
  actor: Actor;
  original: IncidentState;
  state: IncidentState;
  seq: number;
  lastHash: string;
  journal: ChainedJournalRow[];
  /** What the core wrote in rows whose stored data is sealed: ticket events are made from the words, not the ciphertext. */
  unsealed?: Map<ChainedJournalRow, Record<string, unknown>>;
  touched: Set<string>;
}

/**
 * A span of the inbox: the rows after position `from` up to and including `to`. Committing a batch
 * that carries one moves the inbox cursor from `from` to `to` in the same statement, and only if it
 * still stands at `from`: each row's effects are applied once, whatever crashes or retries.
 */
export interface InboxRange {
  from: number;
  to: number;
}

/** A batch correlated and applied to its actors speculatively, waiting for its COMMIT. */
export interface Prepared {
  outcomes: Outcome[];
  receipts: string[];
  pending: Map<string, Pending>;
  forwards: Forward[];
  /** The commit's parameters, built right away (see ActorStore.stage). */
  staged: StagedCommit;
}

/** How many journal entries of each kind a prepared batch writes: the metrics' view of what correlation did. */
export function journalKindsOf(prepared: Prepared): Map<JournalKind, number> {
  const counts = new Map<JournalKind, number>();
  for (const pending of prepared.pending.values()) for (const row of pending.journal) counts.set(row.kind, (counts.get(row.kind) ?? 0) + 1);
  return counts;
}

/**
 * Runs batches in two steps. `prepare` correlates every input in arrival order against copies of
 * the actors' states, builds the commit's parameters (ActorStore.stage), and then applies the
 * results to the actors *speculatively*, so that the next batch can be prepared and staged while
 * this one commits; `commit` writes journal rows, snapshots, read models, outbox rows and receipts
 * in one transaction. Commits happen strictly in order. If one fails, it and every batch prepared
 * on top of it are `abort`ed, newest first: their actors are evicted (they rebuild from what the
 * database holds) and the routing index is put back, so the retry counts nothing twice.
 */
export class BatchExecutor {
  /** Batches prepared and not yet committed or aborted: their states are on the actors, not yet in the database. */
  private readonly speculative = new Set<Prepared>();

  constructor(
    private readonly registry: ActorRegistry,
    private readonly store: ActorStore,
    private readonly correlator: Correlator,
    private readonly clock: Clock,
    /** The journal's chain key (never in the database): each row's link is an HMAC under it. */
    private readonly chainKeys: ChainKeys,
    /** Several instances: which actors are here; the rest get forwarded (see World.forward). */
    private readonly ownership?: Ownership,
  ) {}

  /** Both steps at once, for callers that do not pipeline. */
  async run(inputs: Input[], receipts: string[] = [], inbox?: InboxRange): Promise<Outcome[]> {
    const prepared = await this.prepare(inputs, receipts, inbox);
    try {
      return await this.commit(prepared);
    } catch (error) {
      this.abort(prepared);
      throw error;
    }
  }

  /**
   * `receipts` name the transport messages these inputs came in; they are committed with them.
   * `inbox`: the inbox span they are, committed as the cursor's move.
   */
  async prepare(inputs: Input[], receipts: string[] = [], inbox?: InboxRange): Promise<Prepared> {
    // Rules reloaded since the last batch take over here, before anything of this one is routed.
    this.correlator.beginBatch();
    // Hydrate every first stop with one read; actors reached by routing load on demand.
    const { ownership } = this;
    const firstStops = new Set<string>();
    for (const input of inputs) {
      const signature = this.correlator.signatureFor(input);
      if (signature !== undefined && (!ownership || ownership.isLocal(signature))) firstStops.add(signature);
    }
    const [, holders] = await Promise.all([this.registry.getMany(firstStops), this.holdersBefore(inputs)]);
    const pending = new Map<string, Pending>();
    const forwards: Forward[] = [];
    const world: World = {
      // Synchronous when the actor is in memory (nearly always: first stops were hydrated above),
      // so a batch of 500 does not make a promise per delivery.
      load: (signature) => {
        const entry = pending.get(signature) ?? this.open(signature, pending);
        return entry instanceof Promise
          ? entry.then(
              (opened) => opened.state,
              (error: unknown) => {
                throw new LoadFailure(error);
              },
            )
          : entry.state;
      },
      store: (signature, transition, entries) => this.record(pending, signature, transition, entries),
      // What this batch's earlier inputs did comes first (a trigger in the same page as its
      // resolve); then the holder as the batch began.
      holderOf: (childKey) => holderIn(statesOf(pending), childKey) ?? holders.get(childKey) ?? null,
      // Decided once per batch per actor: an actor already touched in this batch stays here.
      ...(ownership
        ? { isLocal: (signature: string) => pending.has(signature) || ownership.isLocal(signature), forward: (input: Input) => forwards.push({ signature: this.correlator.signatureFor(input) ?? '', input }) }
        : {}),
    };
    const outcomes: Outcome[] = [];
    try {
      for (const input of inputs) outcomes.push(await this.correlator.handle(input, world, this.clock.now()));
    } catch (error) {
      // Nothing was applied to the actors yet; only the index saw the turns.
      this.release(pending.values());
      throw error instanceof LoadFailure ? error.cause : new CorrelationFailure(outcomes.length, error);
    }
    // Staged before the actors take the new states: if building the commit throws, nothing was applied.
    const staged = this.stageOrUndo(pending, receipts, forwards, inbox);
    for (const p of pending.values()) {
      p.actor.state = p.state;
      p.actor.seq = p.seq;
      p.actor.lastHash = p.lastHash;
    }
    const prepared = { outcomes, receipts, pending, forwards, staged };
    this.speculative.add(prepared);
    return prepared;
  }

  /** The actor an input goes to first (what an input set aside is answered with; '' for a resolve). */
  signatureFor(input: Input): string {
    return this.correlator.signatureFor(input) ?? '';
  }

  /**
   * Where the children the batch's resolves name were as the batch began: on the actors of the
   * batches still committing (their states are ahead of the database), else in the database. In
   * that order, and the database asked only after memory was looked at: a batch that commits in
   * between was seen in memory, and one that committed before is in the database.
   */
  private async holdersBefore(inputs: Input[]): Promise<Map<string, ChildHolder>> {
    const holders = new Map<string, ChildHolder>();
    const keys = new Set<string>();
    for (const input of inputs) if (input.type === 'resolve') keys.add(childKeyOf(input));
    if (keys.size === 0) return holders;
    const ahead = [...this.speculative].flatMap((prepared) => [...prepared.pending.values()].map((p) => p.actor.state));
    const unknown: string[] = [];
    for (const key of keys) {
      const holder = holderIn(ahead, key);
      if (holder) holders.set(key, holder);
      else unknown.push(key);
    }
    if (unknown.length === 0) return holders;
    for (const [key, holder] of await this.store.holdersOf(unknown)) holders.set(key, holder);
    return holders;
  }

  /**
   * Whether the database would take what these inputs produce, keeping nothing: prepared on the
   * committed states, run and rolled back (ActorStore.rehearseStaged), then undone. Only while no
   * other batch is in flight. Resolves, or rejects with what the commit would have thrown.
   */
  async rehearse(inputs: Input[]): Promise<void> {
    const prepared = await this.prepare(inputs);
    try {
      await this.store.rehearseStaged(prepared.staged);
    } finally {
      this.abort(prepared);
    }
  }

  async commit(prepared: Prepared): Promise<Outcome[]> {
    await this.store.commitStaged(prepared.staged);
    this.speculative.delete(prepared);
    for (const p of prepared.pending.values()) p.actor.inflight -= 1;
    return prepared.outcomes;
  }

  private stageOrUndo(pending: Map<string, Pending>, receipts: string[], forwards: Forward[], inbox: InboxRange | undefined): StagedCommit {
    try {
      return this.store.stage([...pending.values()].map(toChange), receipts, forwards, inbox, this.clock.now());
    } catch (error) {
      this.release(pending.values());
      throw error;
    }
  }

  /** A batch given up before its actors took their new states: the index goes back, the actors may leave memory again. */
  private release(pending: Iterable<Pending>): void {
    for (const p of pending) {
      this.correlator.index.apply(p.original);
      p.actor.inflight -= 1;
    }
  }

  /** Undoes a prepared batch that will not commit. Abort newer batches before older ones. */
  abort(prepared: Prepared): void {
    this.speculative.delete(prepared);
    this.registry.evict(prepared.pending.keys());
    for (const p of prepared.pending.values()) {
      p.actor.inflight -= 1;
      this.correlator.index.apply(p.original);
    }
  }

  private open(signature: string, pending: Map<string, Pending>): Pending | Promise<Pending> {
    const live = this.registry.touch(signature);
    if (live) return begin(live, pending);
    return this.registry.get(signature).then((actor) => pending.get(signature) ?? begin(actor, pending));
  }

  private record(pending: Map<string, Pending>, signature: string, transition: Transition, entries: JournalEntry[]): void {
    const p = pending.get(signature);
    if (!p) throw new Error(`store before load for ${signature}`);
    for (const entry of entries) {
      p.seq += 1;
      const stored = this.store.seal(entry);
      const row = chainRow(this.chainKeys, signature, p.seq, p.lastHash, stored);
      p.lastHash = row.rowHash;
      p.journal.push(row);
      if (stored !== entry) (p.unsealed ??= new Map()).set(row, entry.data);
      if (entry.childKey !== undefined) p.touched.add(entry.childKey);
    }
    p.state = transition.state;
  }
}

function* statesOf(pending: Map<string, Pending>): Iterable<IncidentState> {
  for (const p of pending.values()) yield p.state;
}

function toChange(p: Pending): ActorChange {
  // A new incident (a new episode, or one a split adopted into an empty actor) writes every child
  // row: an adoption journals no child entries, so `touched` alone would leave its children unwritten.
  const { original, state } = p;
  const newIncident = state.status !== 'none' && (original.status === 'none' || original.incident.id !== state.incident.id) ? state.incident : undefined;
  return {
    snapshot: { signature: p.actor.signature, seq: p.seq, lastHash: p.lastHash, state },
    journal: p.journal,
    touchedChildren: newIncident ? childrenOf(newIncident).map((c) => c.key) : [...p.touched],
    removedChildren: newIncident ? [] : removedChildren(original, state),
    nextDueAt: nextDueAt(state),
    tickets: ticketEventsOf(original, state, p.unsealed ? p.journal.map((row) => withData(row, p.unsealed?.get(row))) : p.journal),
  };
}

const withData = (row: ChainedJournalRow, data: Record<string, unknown> | undefined): ChainedJournalRow => (data ? { ...row, data } : row);

/** Children the incident held before the batch and no longer does (moved out by a split). */
function removedChildren(before: IncidentState, after: IncidentState): string[] {
  if (before.status === 'none' || after.status === 'none') return [];
  // Only a split removes children, and every split adds forwards: skip the scan otherwise.
  if (Object.keys(after.incident.forwards).length === Object.keys(before.incident.forwards).length) return [];
  const incident = after.incident;
  return childrenOf(before.incident)
    .map((c) => c.key)
    .filter((key) => childOf(incident, key) === undefined);
}

/**
 * The actor's entry in this batch: its state as the batch goes on, and the rows it will commit. It
 * counts as in flight from here: a hydration later in the same batch sweeps the least recently
 * used out when memory is over MAX_LIVE_ACTORS, and an actor swept out while the batch still works
 * on it would come back from the database behind the batch (the next batch is prepared before this
 * one commits). commit, abort or release counts it out again.
 */
function begin(actor: Actor, pending: Map<string, Pending>): Pending {
  const entry: Pending = { actor, original: actor.state, state: actor.state, seq: actor.seq, lastHash: actor.lastHash, journal: [], touched: new Set() };
  pending.set(actor.signature, entry);
  actor.inflight += 1;
  return entry;
}

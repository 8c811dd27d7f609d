import type { ChildHolder } from '../correlation/inputs.js';
import type { JournalEntry } from '../correlation/transition.js';
import type { IncidentState } from '../correlation/incident.js';
import type { TicketEvent } from '../correlation/tickets.js';
import type { InboxRange } from './batch-executor.js';
import type { ChainedJournalRow } from './journal-chain.js';
import type { Forward } from './ownership.js';

/** What an actor is rebuilt from: its last committed state and the tip of its journal chain. */
export interface ActorSnapshot {
  signature: string;
  seq: number;
  lastHash: string;
  state: IncidentState;
}

/** One actor's share of a batch: its new snapshot, the journal rows behind it, the children it touched. */
export interface ActorChange {
  snapshot: ActorSnapshot;
  journal: ChainedJournalRow[];
  touchedChildren: string[];
  /** Children that left this incident (split off): their rows go. */
  removedChildren: string[];
  /** The earliest durable timer of the new state, so that it fires even if the actor leaves memory. */
  nextDueAt: string | null;
  /** Ticket events for the helpdesk, to be written to the outbox in the same transaction. */
  tickets: TicketEvent[];
}

/**
 * The database refused the batch because of what it holds (a value it cannot store, a constraint
 * the rows break), not because it is unreachable or busy: committing the same rows again fails
 * again, while the batch without the offending input would commit. Carries no row content: only
 * what the database names (SQLSTATE, table, constraint), safe for logs.
 */
export class RefusedDataError extends Error {
  constructor(
    readonly sqlstate: string,
    readonly where: { table?: string; column?: string; constraint?: string } = {},
  ) {
    super(`the database refused the batch's data (SQLSTATE ${sqlstate}${where.table ? `, table ${where.table}` : ''}${where.constraint ? `, constraint ${where.constraint}` : ''})`);
    this.name = 'RefusedDataError';
  }
}

/** A batch's commit, built and not yet run (see ActorStore.stage); opaque to the runtime. */
export interface StagedCommit {
  readonly signatures: string[];
}

/**
 * The persistence port of the actor runtime. `commit` is all-or-nothing: journal rows, snapshots
 * and read models of one batch land in one transaction, or none of them do.
 */
export interface ActorStore {
  load(signature: string): Promise<ActorSnapshot | null>;
  /**
   * The entry as it will be stored, before it is chained: free text sealed under the incident's
   * key (crypto-shredding), so the chain covers the stored bytes and survives the key's destruction.
   */
  seal(entry: JournalEntry): JournalEntry;
  /** Several at once (a batch's new actors): one read instead of one per signature; absent ones are missing from the map. */
  loadMany(signatures: string[]): Promise<Map<string, ActorSnapshot>>;
  /** `forwards`: messages for actors another instance owns, sent on after COMMIT (several instances only). */
  commit(changes: ActorChange[], receipts?: string[], forwards?: Forward[]): Promise<void>;
  /**
   * The same commit in two steps: `stage` turns the batch into the statement's parameters (CPU
   * only, no I/O), `commitStaged` runs it. The runtime stages a batch as soon as it is prepared,
   * while the batch before it is still committing, so commits, which run one at a time, spend
   * their turn on the database only. A staged commit that is never run is simply dropped.
   */
  /** `at`: the runtime's time for this batch (its Clock): what the stored timers are compared with. */
  stage(changes: ActorChange[], receipts?: string[], forwards?: Forward[], inbox?: InboxRange, at?: Date): StagedCommit;
  commitStaged(staged: StagedCommit): Promise<void>;
  /**
   * Runs a staged commit and rolls it back: whether the database would take these rows, without
   * keeping them. Only when a commit failed with RefusedDataError, to find which input caused it.
   */
  rehearseStaged(staged: StagedCommit): Promise<void>;
  /** Whether the transport message with this receipt already committed its effects. */
  committed(receipt: string): Promise<boolean>;
  /**
   * The committed holders of these child keys (childKeyOf): what a resolve that names only its
   * child is addressed to (World.holderOf). Absent keys: no incident holds that child.
   */
  holdersOf(childKeys: string[]): Promise<Map<string, ChildHolder>>;
  /** States that cross-incident routing must know about at start-up: active, or recent identity. */
  loadIndexable(): Promise<IncidentState[]>;
  /** Signatures with a timer due at or before `now`. */
  due(now: Date, limit: number): Promise<string[]>;
}

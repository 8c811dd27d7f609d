import { systemClock, type Clock } from '../../actors/clock.js';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { ActorChange, ActorSnapshot, ActorStore, StagedCommit } from '../../actors/actor-store.js';
import type { InboxRange } from '../../actors/batch-executor.js';
import type { Forward, Ownership } from '../../actors/ownership.js';
import type { ChildHolder } from '../../correlation/inputs.js';
import { withChildren, type Child, type IncidentState } from '../../correlation/incident.js';
import { SourceInterner } from '../../correlation/source-interner.js';
import type { JournalEntry } from '../../correlation/transition.js';
import { earlierFormOf } from '../bus/receipts.js';
import {
  addressRow,
  CHILD_FIELDS,
  childColumns,
  childFromRow,
  incidentOf,
  incidentRow,
  isIdentity,
  JOURNAL_FIELDS,
  journalColumns,
  outboxRow,
  SNAPSHOT_VERSION,
  snapshotRow,
  type ChildRow,
  type SnapshotRow,
} from './actor-rows.js';
import type { BinaryColumnType } from './binary-arrays.js';
import { commitCheckFailure, refusedData } from './commit-errors.js';
import type { JournalSealer } from './journal-sealer.js';
import { JsonbArena } from './jsonb-arena.js';

/** Which destinations a ticket event fans out to (NATS, webhooks): decided when it is written. */
export type Destinations = (type: string, queue: string, priority: string) => string[];

/**
 * The actor runtime's Postgres side: hydration reads, timer and receipt lookups, and the batch
 * commit, which is a single statement whatever the batch holds (COMMIT_BATCH below).
 */
export class PgActorStore implements ActorStore {
  /** Where the commit's JSON parameters are written, reused from batch to batch (see JsonbArena). */
  private readonly arenas: JsonbArena[] = [];
  /** Hydrated children share one source object per distinct source. */
  private readonly sources = new SourceInterner();

  constructor(
    private readonly db: DataSource,
    private readonly destinations: Destinations = () => ['nats'],
    /** Several instances: every commit proves the leases of the partitions it touches (fencing). */
    private readonly ownership?: Ownership,
    /** Seals the journal's free text under per-incident keys (journal-sealer.ts); without one, rows are stored as the core wrote them. */
    private readonly sealer?: JournalSealer,
    /** The runtime's: rows' `updated_at` (retention and several instances' catch-up compare it with the same clock). */
    private readonly clock: Clock = systemClock,
  ) {}

  seal(entry: JournalEntry): JournalEntry {
    return this.sealer ? this.sealer.seal(entry) : entry;
  }

  async load(signature: string): Promise<ActorSnapshot | null> {
    // Plain equality, not `= ANY(array)`: one passivated actor coming back is the common case, and
    // the array form cost it about a tenth more (bench/actor-memory.ts).
    const rows = await this.db.query<SnapshotRow[]>(`SELECT signature, seq, last_hash, version, state FROM actor_snapshot WHERE signature = $1`, [signature]);
    return (await this.snapshotsOf(rows)).get(signature) ?? null;
  }

  async loadMany(signatures: string[]): Promise<Map<string, ActorSnapshot>> {
    const rows = await this.db.query<SnapshotRow[]>(`SELECT signature, seq, last_hash, version, state FROM actor_snapshot WHERE signature = ANY($1::text[])`, [signatures]);
    return this.snapshotsOf(rows);
  }

  private async snapshotsOf(rows: SnapshotRow[]): Promise<Map<string, ActorSnapshot>> {
    for (const row of rows) {
      if (row.version !== SNAPSHOT_VERSION) {
        throw new Error(`snapshot of ${row.signature} has version ${row.version}; this build reads ${SNAPSHOT_VERSION}: run the matching corral or migrate`);
      }
    }
    await this.attachChildren(rows.map((row) => row.state));
    return new Map(rows.map((row) => [row.signature, { signature: row.signature, seq: Number(row.seq), lastHash: row.last_hash, state: row.state }]));
  }

  async holdersOf(childKeys: string[]): Promise<Map<string, ChildHolder>> {
    // Several incidents may have held the same key (an earlier episode, a trigger sent again under
    // another signature): the one that saw an event last, as a sender resolving it means.
    const rows = await this.db.query<Array<{ child_key: string; signature: string; system: string; title: string; last_seen: Date; kind: Child['kind']; severity: Child['severity']; facility: string | null; department: string | null }>>(
      `SELECT DISTINCT ON (c.child_key) c.child_key, i.signature, i.system, i.title, i.last_seen, c.kind, c.severity, c.facility, c.department
         FROM incident_child c JOIN incident i ON i.id = c.incident_id
        WHERE c.child_key = ANY($1::text[])
        ORDER BY c.child_key, i.last_seen DESC`,
      [childKeys],
    );
    return new Map(
      rows.map((row) => [
        row.child_key,
        {
          signature: row.signature,
          system: row.system,
          title: row.title,
          lastSeen: row.last_seen.toISOString(),
          child: { kind: row.kind, severity: row.severity, ...(row.facility ? { facility: row.facility } : {}), ...(row.department ? { department: row.department } : {}) },
        },
      ]),
    );
  }

  async loadIndexable(): Promise<IncidentState[]> {
    // Routing needs titles, systems and identity marks; identity marks need the children's tokens.
    const rows = await this.db.query<Array<{ state: IncidentState }>>(
      `SELECT state FROM actor_snapshot
        WHERE version = $1
          AND (state->>'status' IN ('open', 'acknowledged', 'flapping') OR state->'incident'->>'origin' = 'identity')`,
      [SNAPSHOT_VERSION],
    );
    const states = rows.map((row) => row.state);
    await this.attachChildren(states.filter(isIdentity));
    return states;
  }

  /** `only`: several instances, the timers of these partitions (of `count`) and no others. */
  async due(now: Date, limit: number, only?: { count: number; partitions: number[] }): Promise<string[]> {
    const rows = only
      ? await this.db.query<Array<{ signature: string }>>(
          // Rows from before sig_hash existed count as partition 0; the runtime forwards them to their owner.
          `SELECT signature FROM actor_snapshot WHERE next_due_at <= $1 AND COALESCE(sig_hash, 0) % $3 = ANY($4::int[]) ORDER BY next_due_at LIMIT $2`,
          [now, limit, only.count, only.partitions],
        )
      : await this.db.query<Array<{ signature: string }>>(`SELECT signature FROM actor_snapshot WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT $2`, [now, limit]);
    return rows.map((row) => row.signature);
  }

  /**
   * Snapshots written since `since` outside the given partitions: what the other instances'
   * actors became, for this instance's routing index. Identity incidents come with their children
   * (routing reads the requester tokens). `until` is the newest `updated_at` seen.
   */
  async changedSince(since: Date, count: number, except: number[]): Promise<{ states: IncidentState[]; until: Date }> {
    const rows = await this.db.query<Array<{ state: IncidentState; updated_at: Date }>>(
      `SELECT state, updated_at FROM actor_snapshot
        WHERE updated_at > $1 AND version = $2 AND NOT (COALESCE(sig_hash, 0) % $3 = ANY($4::int[]))
        ORDER BY updated_at`,
      [since, SNAPSHOT_VERSION, count, except],
    );
    const states = rows.map((row) => row.state);
    await this.attachChildren(states.filter(isIdentity));
    return { states, until: rows.at(-1)?.updated_at ?? since };
  }

  async committed(receipt: string): Promise<boolean> {
    return (await this.committedOf([receipt])).length > 0;
  }

  /**
   * Which of these receipts have committed. A message committed by the version before stream
   * creation times, whose ack was lost in the upgrade, comes back under its new receipt; found only
   * by its new one it would be applied twice. Its earlier receipt counts if committed after its
   * stream was created: one committed before named a message of a stream since deleted, and
   * matching it would lose the new message. Those receipts are pruned after 8 days; from then on
   * the earlier form can be dropped here.
   */
  async committedOf(receipts: string[]): Promise<string[]> {
    if (receipts.length === 0) return [];
    const earlier = receipts.map(earlierFormOf);
    const rows = await this.db.query<Array<{ receipt: string }>>(
      `SELECT x.receipt FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS x(receipt, earlier, since)
        WHERE EXISTS (SELECT 1 FROM processed_message p WHERE p.receipt = x.receipt OR (p.receipt = x.earlier AND p.at >= x.since))`,
      [receipts, earlier.map((e) => e?.receipt ?? null), earlier.map((e) => e?.since ?? null)],
    );
    return rows.map((r) => r.receipt);
  }

  async pruneReceipts(olderThan: Date): Promise<number> {
    // A CTE makes the count a plain SELECT row (TypeORM answers DELETE … RETURNING as [rows, count]).
    const [row] = await this.db.query<Array<{ n: string }>>(
      `WITH gone AS (DELETE FROM processed_message WHERE at < $1 RETURNING 1) SELECT count(*) AS n FROM gone`,
      [olderThan],
    );
    return Number(row?.n ?? 0);
  }

  /**
   * The whole batch is one statement (see COMMIT_BATCH), so one round trip and its own implicit
   * transaction: the event loop, busy correlating the next batch meanwhile, is not needed between
   * statements. Checks that must hold for it to commit (fencing, receipts) are conditions inside
   * it; a failed one rolls everything back and surfaces here as FencedError or DuplicateDeliveryError.
   */
  async commit(changes: ActorChange[], receipts: string[] = [], forwards: Forward[] = []): Promise<void> {
    await this.commitStaged(this.stage(changes, receipts, forwards));
  }

  /**
   * The statement's parameters, built while the previous batch may still be committing: about a
   * fifth of a commit's time at saturation was this, with the database idle and every later batch
   * waiting. The fence is not part of it: leases are read when the statement runs.
   */
  stage(changes: ActorChange[], receipts: string[] = [], forwards: Forward[] = [], inbox?: InboxRange, at?: Date): StagedCommit {
    const now = this.clock.now().toISOString();
    const live = changes.filter((change) => change.snapshot.state.status !== 'none');
    const ownership = this.ownership;
    const tickets = changes.flatMap((change) => change.tickets);
    // Receipts are claimed once each: a message makes one submission, and an input receipt
    // (`#index`) never repeats within a batch (the Batcher refuses a second copy); the Set is a
    // guard, not a case that occurs.
    const distinctReceipts = [...new Set(receipts)];
    // One arena per staged commit: two at most are alive (one committing, the next staged); one
    // dropped with an aborted batch is collected like any other object.
    // Data keys made while this batch was sealed (or left by a failed commit) go in with it.
    const keys = this.sealer?.unsaved() ?? [];
    const arena = this.arenas.pop() ?? new JsonbArena();
    arena.reset();
    const params = [
      distinctReceipts,
      arena.jsonb(changes.map((change) => snapshotRow(change, now))),
      arena.jsonb(live.map((change) => incidentRow(change.snapshot.state, now))),
      arena.jsonb(live.flatMap((change) => change.removedChildren.map((key) => ({ incident_id: incidentOf(change.snapshot.state).id, child_key: key })))),
      arena.jsonb(tickets.map((t) => ({ ...outboxRow(t), destinations: this.destinations(t.type, t.incident.queue, t.incident.priority) }))),
      arena.jsonb(ownership ? forwards.map((f) => ({ ...addressRow(ownership.addressOf(f.signature)), payload: f.input })) : []),
      ...childColumns(live),
      ...journalColumns(changes),
      arena.jsonb(keys),
      inbox?.from ?? null,
      inbox?.to ?? null,
      // The runtime's time (its Clock, as the timers compare): a stored timer at or before it has fired.
      (at ?? this.clock.now()).toISOString(),
      ownership !== undefined,
    ];
    const staged: PgStagedCommit = { signatures: changes.map((c) => c.snapshot.signature), params, arena, keys: keys.map((k) => k.id) };
    return staged;
  }

  async commitStaged(staged: StagedCommit): Promise<void> {
    await this.runStaged(staged, false);
  }

  async rehearseStaged(staged: StagedCommit): Promise<void> {
    await this.runStaged(staged, true);
  }

  private async runStaged(staged: StagedCommit, rollBack: boolean): Promise<void> {
    const { signatures, params, arena, keys } = staged as PgStagedCommit;
    // Throws before any I/O when a touched partition is not held here at all.
    const fence = this.ownership && signatures.length > 0 ? this.ownership.fenceFor(signatures) : undefined;
    const values = [fence?.owner ?? null, arena.jsonb(fence?.leases ?? []), ...params];
    // A named statement is parsed and planned once per connection, not at every batch: at a few
    // hundred small batches a second (latency-bound load) that was a tenth of Postgres' time.
    const runner = this.db.createQueryRunner();
    let client: PoolClient | undefined;
    try {
      client = (await runner.connect()) as PoolClient;
      if (rollBack) await client.query('BEGIN');
      await client.query({ name: 'corral_commit_batch', text: COMMIT_BATCH, values });
      if (!rollBack) this.sealer?.saved(keys);
    } catch (error) {
      throw commitCheckFailure(error) ?? refusedData(error) ?? error;
    } finally {
      if (rollBack) await client?.query('ROLLBACK').catch(() => undefined);
      this.arenas.push(arena);
      await runner.release();
    }
  }

  /** Puts every incident's children (rows of incident_child) back into its state, with one read for all. */
  private async attachChildren(states: IncidentState[]): Promise<void> {
    const incidents = states.flatMap((state) => (state.status === 'none' ? [] : [state]));
    if (incidents.length === 0) return;
    const ids = incidents.map((state) => state.incident.id);
    const rows =
      ids.length === 1
        ? await this.db.query<Array<ChildRow & { incident_id: string }>>(`SELECT * FROM incident_child WHERE incident_id = $1`, ids)
        : await this.db.query<Array<ChildRow & { incident_id: string }>>(`SELECT * FROM incident_child WHERE incident_id = ANY($1::uuid[])`, [ids]);
    const byIncident = new Map<string, Child[]>();
    for (const row of rows) {
      const children = byIncident.get(row.incident_id);
      if (children) children.push(childFromRow(row, this.sources));
      else byIncident.set(row.incident_id, [childFromRow(row, this.sources)]);
    }
    for (const state of incidents) state.incident = withChildren(state.incident, byIncident.get(state.incident.id) ?? []);
  }

}

const SNAPSHOT_COLUMNS = `signature text, seq bigint, last_hash text, version integer, state jsonb, updated_at timestamptz, next_due_at timestamptz, sig_hash bigint`;
const INCIDENT_COLUMNS = `id uuid, signature text, status text, title text, severity text, system text, facilities text[], departments text[],
  first_seen timestamptz, last_seen timestamptz, opened_at timestamptz, resolved_at timestamptz, child_count integer, distinct_requesters integer,
  patient_impact boolean, correlation_id text, updated_at timestamptz, episode integer, origin text, priority text, priority_rule text, queue text,
  routing_rule text, parent_id uuid, merged_into uuid, suppressed_by text, acknowledged_by text, acknowledged_at timestamptz, suggestions jsonb, context jsonb`;
const CHILD_COLUMNS = CHILD_FIELDS.map(([name, type]) => `${name} ${type}`).join(', ');
/** Where COMMIT_BATCH's parameters for the children and the journal begin: one per column, after the eight others. */
const FIRST_CHILD_PARAM = 9;
const FIRST_JOURNAL_PARAM = FIRST_CHILD_PARAM + CHILD_FIELDS.length;
/** The data keys the batch's sealed rows need (journal-sealer.ts), after the journal's columns. */
const KEYS_PARAM = FIRST_JOURNAL_PARAM + JOURNAL_FIELDS.length;
const INBOX_FROM_PARAM = KEYS_PARAM + 1;
const INBOX_TO_PARAM = KEYS_PARAM + 2;
const AT_PARAM = KEYS_PARAM + 3;
const CLUSTER_PARAM = KEYS_PARAM + 4;

const namesOf = (columns: string) => columns.split(',').map((c) => c.trim().split(/\s+/)[0]);
/** `INSERT … SELECT` of every column named in `columns` from a JSON array parameter. */
const insertFrom = (tableName: string, param: string, columns: string) => `INSERT INTO ${tableName} (${namesOf(columns).join(', ')})
    SELECT * FROM jsonb_to_recordset(${param}::jsonb) AS x(${columns})`;
/** `INSERT … SELECT` of every field from one binary array parameter per column (see binary-arrays.ts), the first at `$firstParam`. */
const insertUnnested = (tableName: string, fields: ReadonlyArray<readonly [string, BinaryColumnType, unknown]>, firstParam: number) => `INSERT INTO ${tableName} (${fields.map(([name]) => name).join(', ')})
    SELECT * FROM unnest(${fields.map(([, type], i) => `$${firstParam + i}::${type}[]`).join(', ')})`;
/** On a key conflict, every other column takes the new row's value. */
const updateOthers = (columns: string, key: string[]) =>
  `DO UPDATE SET ${namesOf(columns)
    .filter((n) => !key.includes(n))
    .map((n) => `${n} = excluded.${n}`)
    .join(', ')}`;

/**
 * One batch, one statement: each table's rows arrive as one JSON array parameter
 * (`jsonb_to_recordset`), except the journal and the children, the most numerous rows, which
 * arrive as one binary array per column (`unnest`, see binary-arrays.ts); neither the statement
 * nor the round trips grow with the batch.
 * Data-modifying CTEs all run to completion within the statement's own transaction; the final
 * SELECT checks what must hold for it to commit, in this order:
 *
 * - Fencing ($1 owner, $2 leases): the lease of every partition the batch touches is locked
 *   FOR SHARE, in partition order as lease renewals lock them (so the two cannot deadlock), and
 *   must still name this instance with the epoch it claimed. A takeover (owner, epoch+1) waits for
 *   this statement, or this statement sees it and fails: an instance that lost a lease cannot
 *   write after the new owner started. Without cluster mode $2 is empty and nothing is locked.
 * - Receipts ($3): a transport message commits its effects once. If another delivery of one of
 *   them committed first (a redelivery after an ack wait, taken by this or another instance), the
 *   batch fails and its messages come back, to be acked without effects (`committed`).
 * - The inbox cursor (from, to): a batch that applies inbox rows moves the cursor from the
 *   position it was prepared after to its last row, and only if the cursor still stands there.
 *   Any other value means an earlier span failed, or another process applies the inbox too: the
 *   batch fails as a whole and the feeder reads again from the committed cursor.
 *
 * A snapshot's update leaves its indexed columns alone where it can, so that PostgreSQL updates
 * it in place (HOT: no index entries, a third less WAL, measured): `updated_at` moves only with
 * several instances (their catch-up reads it), and `next_due_at` is a lower bound of the actor's
 * next timer, moved only earlier, or on from a time that has passed ($AT, the runtime's clock). A
 * timer that moved later is then met by one tick that finds nothing due and stores the real time.
 *
 * Snapshots hold the incident without its children; children are rows of `incident_child`
 * (written when touched), so a hot incident with thousands of children does not rewrite them all
 * at every batch. Outbox rows get one delivery row per destination; a replayed batch cannot
 * enqueue a ticket twice (ON CONFLICT on event_key). A sealed journal row commits together with
 * its data key (journal_key) or after it, never before it.
 */
const COMMIT_BATCH = `
  WITH fenced AS (
    SELECT l.partition FROM partition_lease l JOIN jsonb_to_recordset($2::jsonb) AS x(partition integer, epoch bigint) ON x.partition = l.partition
     WHERE l.owner = $1 AND l.epoch = x.epoch AND l.expires_at > now()
     ORDER BY l.partition FOR SHARE OF l
  ), claimed AS (
    INSERT INTO processed_message (receipt) SELECT unnest($3::text[]) ON CONFLICT DO NOTHING RETURNING 1
  ), journaled AS (
    ${insertUnnested('journal', JOURNAL_FIELDS, FIRST_JOURNAL_PARAM)}
  ), keyed AS (
    INSERT INTO journal_key (id, incident_id, wrapped, created_at)
    SELECT x.id, x.incident_id, decode(x.wrapped, 'base64'), x.created_at
      FROM jsonb_to_recordset($${KEYS_PARAM}::jsonb) AS x(id uuid, incident_id uuid, wrapped text, created_at timestamptz)
    ON CONFLICT (id) DO NOTHING
  ), snapshots AS (
    ${insertFrom('actor_snapshot', '$4', SNAPSHOT_COLUMNS)}
    ON CONFLICT (signature) ${updateOthers(SNAPSHOT_COLUMNS, ['signature', 'updated_at', 'next_due_at'])},
      updated_at = CASE WHEN $${CLUSTER_PARAM}::boolean THEN excluded.updated_at ELSE actor_snapshot.updated_at END,
      next_due_at = CASE WHEN actor_snapshot.next_due_at IS NULL OR actor_snapshot.next_due_at <= $${AT_PARAM}::timestamptz
                           OR excluded.next_due_at < actor_snapshot.next_due_at
                         THEN excluded.next_due_at ELSE actor_snapshot.next_due_at END
  ), incidents AS (
    ${insertFrom('incident', '$5', INCIDENT_COLUMNS)}
    ON CONFLICT (id) ${updateOthers(INCIDENT_COLUMNS, ['id'])}
  ), children AS (
    ${insertUnnested('incident_child', CHILD_FIELDS, FIRST_CHILD_PARAM)}
    ON CONFLICT (incident_id, child_key) ${updateOthers(CHILD_COLUMNS, ['incident_id', 'child_key'])}
  ), split_off AS (
    DELETE FROM incident_child c USING jsonb_to_recordset($6::jsonb) AS x(incident_id uuid, child_key text)
     WHERE c.incident_id = x.incident_id AND c.child_key = x.child_key
  ), outboxed AS (
    INSERT INTO outbox (event_key, incident_id, queue, type, payload, sig_hash)
    SELECT x.event_key, x.incident_id, x.queue, x.type, x.payload, x.sig_hash
      FROM jsonb_to_recordset($7::jsonb) AS x(event_key text, incident_id uuid, queue text, type text, payload jsonb, sig_hash bigint)
    ON CONFLICT (event_key) DO NOTHING RETURNING id, event_key, incident_id
  ), delivered AS (
    INSERT INTO outbox_delivery (outbox_id, destination, incident_id)
    SELECT o.id, d.destination, o.incident_id
      FROM outboxed o JOIN jsonb_to_recordset($7::jsonb) AS x(event_key text, destinations text[]) USING (event_key)
      CROSS JOIN LATERAL unnest(x.destinations) AS d(destination)
  ), forwarded AS (
    INSERT INTO cluster_forward (partition, subject_token, payload)
    SELECT * FROM jsonb_to_recordset($8::jsonb) AS x(partition integer, subject_token text, payload jsonb)
  ), advanced AS (
    UPDATE inbox_cursor SET position = $${INBOX_TO_PARAM}::bigint, correlated_at = now()
     WHERE $${INBOX_TO_PARAM}::bigint IS NOT NULL AND position = $${INBOX_FROM_PARAM}::bigint RETURNING 1
  )
  SELECT CASE
    WHEN corral_require(
      (SELECT count(*) FROM fenced) = jsonb_array_length($2::jsonb),
      'fenced:lease of partition ' || coalesce((SELECT string_agg(x.partition || '@' || x.epoch, ', ')
        FROM jsonb_to_recordset($2::jsonb) AS x(partition integer, epoch bigint) WHERE x.partition NOT IN (SELECT partition FROM fenced)), '?') || ' lost')
    THEN CASE WHEN corral_require((SELECT count(*) FROM claimed) = cardinality($3::text[]),
      'duplicate:' || (cardinality($3::text[]) - (SELECT count(*) FROM claimed)))
    THEN corral_require($${INBOX_TO_PARAM}::bigint IS NULL OR (SELECT count(*) FROM advanced) = 1,
      'inbox:the cursor is no longer at ' || coalesce($${INBOX_FROM_PARAM}::bigint::text, '?'))
    END END AS committed`;

/** COMMIT_BATCH's parameters from $3 on, and the arena holding their bytes until it has run. */
interface PgStagedCommit extends StagedCommit {
  params: unknown[];
  arena: JsonbArena;
  /** Ids of the data keys it inserts: saved once it commits. */
  keys: string[];
}

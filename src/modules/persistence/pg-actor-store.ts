import type { DataSource, EntityManager } from 'typeorm';
import type { ActorChange, ActorSnapshot, ActorStore } from '../../actors/actor-store.js';
import type { ChainedJournalRow } from '../../actors/journal-chain.js';
import { FencedError, type Fence, type Forward, type Ownership } from '../../actors/ownership.js';
import type { EventKind, EventStatus, Severity, SourceType } from '../../correlation/canonical-event.js';
import { childCount, childOf, distinctRequesters, withChildren, type Child, type IncidentBody, type IncidentState } from '../../correlation/incident.js';
import type { TicketEvent } from '../../correlation/tickets.js';
import { signatureHash } from '../cluster/partitioning.js';

/** Bumped when the shape of IncidentState changes; hydration refuses snapshots it cannot read. */
export const SNAPSHOT_VERSION = 3;

/** Which destinations a ticket event fans out to (NATS, webhooks): decided when it is written. */
export type Destinations = (type: string, queue: string) => string[];

const ref = (r: { id: string; version: number }) => `${r.id}@${r.version}`;

/**
 * The actor runtime's Postgres side. A batch is one transaction of a handful of statements, each
 * taking all of its rows as one JSON parameter (`jsonb_to_recordset`): statement count does not
 * grow with the batch. Snapshots hold the incident without its children; children are rows of
 * `incident_child` (written when touched), so a hot incident with thousands of children does not
 * rewrite them all at every batch.
 */
export class PgActorStore implements ActorStore {
  constructor(
    private readonly db: DataSource,
    private readonly destinations: Destinations = () => ['nats'],
    /** Several instances: every commit proves the leases of the partitions it touches (fencing). */
    private readonly ownership?: Ownership,
  ) {}

  async load(signature: string): Promise<ActorSnapshot | null> {
    const [row] = await this.db.query<Array<{ seq: string; last_hash: string; version: number; state: IncidentState }>>(
      `SELECT seq, last_hash, version, state FROM actor_snapshot WHERE signature = $1`,
      [signature],
    );
    if (!row) return null;
    if (row.version !== SNAPSHOT_VERSION) {
      throw new Error(`snapshot of ${signature} has version ${row.version}; this build reads ${SNAPSHOT_VERSION}: run the matching corral or migrate`);
    }
    const state = row.state;
    if (state.status !== 'none') state.incident = withChildren(state.incident, await this.children(state.incident.id));
    return { signature, seq: Number(row.seq), lastHash: row.last_hash, state };
  }

  async loadIndexable(): Promise<IncidentState[]> {
    // Routing needs titles, systems and identity marks; identity marks need the children's tokens.
    const rows = await this.db.query<Array<{ state: IncidentState }>>(
      `SELECT state FROM actor_snapshot
        WHERE version = $1
          AND (state->>'status' IN ('open', 'acknowledged', 'flapping') OR state->'incident'->>'origin' = 'identity')`,
      [SNAPSHOT_VERSION],
    );
    for (const { state } of rows) if (state.status !== 'none' && state.incident.origin === 'identity') state.incident = withChildren(state.incident, await this.children(state.incident.id));
    return rows.map((row) => row.state);
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
    for (const { state } of rows) if (state.status !== 'none' && state.incident.origin === 'identity') state.incident = withChildren(state.incident, await this.children(state.incident.id));
    return { states: rows.map((r) => r.state), until: rows.at(-1)?.updated_at ?? since };
  }

  async committed(receipt: string): Promise<boolean> {
    const rows = await this.db.query<unknown[]>(`SELECT 1 FROM processed_message WHERE receipt = $1`, [receipt]);
    return rows.length > 0;
  }

  /** Which of these receipts have committed. */
  async committedOf(receipts: string[]): Promise<string[]> {
    if (receipts.length === 0) return [];
    const rows = await this.db.query<Array<{ receipt: string }>>(`SELECT receipt FROM processed_message WHERE receipt = ANY($1::text[])`, [receipts]);
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

  async commit(changes: ActorChange[], receipts: string[] = [], forwards: Forward[] = []): Promise<void> {
    const now = new Date().toISOString();
    const live = changes.filter((change) => change.snapshot.state.status !== 'none');
    // Throws before any I/O when a touched partition is not held here at all.
    const fence = this.ownership && changes.length > 0 ? this.ownership.fenceFor(changes.map((c) => c.snapshot.signature)) : undefined;
    await this.db.transaction(async (tx) => {
      if (fence) await checkFence(tx, fence);
      if (receipts.length > 0) await claimReceipts(tx, receipts);
      await insertRows(tx, JOURNAL, changes.flatMap((change) => change.journal.map(journalRow)));
      await insertRows(tx, SNAPSHOTS, changes.map((change) => snapshotRow(change, now)));
      await insertRows(tx, INCIDENTS, live.map((change) => incidentRow(change.snapshot.state, now)));
      await insertRows(tx, CHILDREN, live.flatMap(childRows));
      const removed = live.flatMap((change) => change.removedChildren.map((key) => ({ incident_id: incidentOf(change.snapshot.state).id, child_key: key })));
      if (removed.length > 0) {
        await tx.query(
          `DELETE FROM incident_child c USING jsonb_to_recordset($1::jsonb) AS x(incident_id uuid, child_key text)
            WHERE c.incident_id = x.incident_id AND c.child_key = x.child_key`,
          [JSON.stringify(removed)],
        );
      }
      await this.writeOutbox(tx, changes.flatMap((change) => change.tickets));
      if (forwards.length > 0 && this.ownership) {
        const ownership = this.ownership;
        await insertRows(tx, FORWARDS, forwards.map((f) => ({ ...addressRow(ownership.addressOf(f.signature)), payload: f.input })));
      }
    });
  }

  private async children(incidentId: string): Promise<Child[]> {
    const rows = await this.db.query<ChildRow[]>(`SELECT * FROM incident_child WHERE incident_id = $1`, [incidentId]);
    return rows.map(childFromRow);
  }

  /** Ticket events and one delivery row per destination; a replayed batch cannot enqueue a ticket twice. */
  private async writeOutbox(tx: EntityManager, tickets: TicketEvent[]): Promise<void> {
    if (tickets.length === 0) return;
    const inserted = await tx.query<Array<{ id: string; event_key: string }>>(
      `INSERT INTO outbox (event_key, incident_id, queue, type, payload, sig_hash)
       SELECT x.event_key, x.incident_id, x.queue, x.type, x.payload, x.sig_hash
         FROM jsonb_to_recordset($1::jsonb) AS x(event_key text, incident_id uuid, queue text, type text, payload jsonb, sig_hash bigint)
       ON CONFLICT (event_key) DO NOTHING RETURNING id, event_key`,
      [JSON.stringify(tickets.map((t) => ({ event_key: t.eventKey, incident_id: t.incident.id, queue: t.incident.queue, type: t.type, payload: t, sig_hash: signatureHash(t.incident.signature) })))],
    );
    const byKey = new Map(tickets.map((t) => [t.eventKey, t]));
    const rows = inserted.flatMap(({ id, event_key }) => {
      const ticket = byKey.get(event_key);
      return ticket ? this.destinations(ticket.type, ticket.incident.queue).map((destination) => ({ outbox_id: id, destination, incident_id: ticket.incident.id })) : [];
    });
    await insertRows(tx, DELIVERIES, rows);
  }
}

interface Table {
  sql: string;
}

/** `sql` takes the rows as $1 (a JSON array) and names their columns with types. */
const table = (sql: string): Table => ({ sql });

const JOURNAL = table(`
  INSERT INTO journal (signature, seq, incident_id, kind, child_key, at, correlation_id, data, prev_hash, row_hash, rule_id, rule_version)
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(signature text, seq bigint, incident_id uuid, kind text, child_key text, at timestamptz,
    correlation_id text, data jsonb, prev_hash text, row_hash text, rule_id text, rule_version integer)`);

const SNAPSHOTS = table(`
  INSERT INTO actor_snapshot (signature, seq, last_hash, version, state, updated_at, next_due_at, sig_hash)
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(signature text, seq bigint, last_hash text, version integer, state jsonb, updated_at timestamptz, next_due_at timestamptz, sig_hash bigint)
  ON CONFLICT (signature) DO UPDATE SET seq = excluded.seq, last_hash = excluded.last_hash, version = excluded.version, state = excluded.state,
    updated_at = excluded.updated_at, next_due_at = excluded.next_due_at, sig_hash = excluded.sig_hash`);

const FORWARDS = table(`
  INSERT INTO cluster_forward (partition, subject_token, payload)
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(partition integer, subject_token text, payload jsonb)`);

const addressRow = ({ partition, token }: { partition: number; token: string }) => ({ partition, subject_token: token });

/**
 * A transport message commits its effects once: if another delivery of it committed first (a
 * redelivery after an ack wait, taken by this or another instance), the whole batch aborts and its
 * messages come back, to be acked without effects (`committed`). One message may make several
 * submissions under one receipt (native payloads), hence DISTINCT.
 */
async function claimReceipts(tx: EntityManager, receipts: string[]): Promise<void> {
  const distinct = [...new Set(receipts)];
  const result = await tx.query<Array<{ receipt: string }> | [Array<{ receipt: string }>, number]>(
    `INSERT INTO processed_message (receipt) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING receipt`,
    [distinct],
  );
  const inserted = Array.isArray(result[0]) ? result[0].length : result.length;
  if (inserted !== distinct.length) throw new DuplicateDeliveryError(distinct.length - inserted);
}

export class DuplicateDeliveryError extends Error {
  constructor(count: number) {
    super(`${count} message(s) of this batch were already committed by an earlier delivery; the batch is retried without them`);
    this.name = 'DuplicateDeliveryError';
  }
}

/**
 * Fencing: the leases of every partition this batch touches are locked FOR SHARE (in partition
 * order, as lease renewals lock them, so the two cannot deadlock) and must still name this
 * instance with the epoch it claimed. A takeover (owner, epoch+1) waits for this transaction, or
 * this transaction sees it and aborts: an instance that lost a lease cannot write after the new
 * owner started.
 */
async function checkFence(tx: EntityManager, fence: Fence): Promise<void> {
  const held = await tx.query<Array<{ partition: number }>>(
    `SELECT l.partition FROM partition_lease l JOIN jsonb_to_recordset($2::jsonb) AS x(partition integer, epoch bigint) ON x.partition = l.partition
      WHERE l.owner = $1 AND l.epoch = x.epoch AND l.expires_at > now()
      ORDER BY l.partition FOR SHARE OF l`,
    [fence.owner, JSON.stringify(fence.leases)],
  );
  if (held.length !== fence.leases.length) {
    const have = new Set(held.map((h) => h.partition));
    throw new FencedError(`lease of partition ${fence.leases.filter((l) => !have.has(l.partition)).map((l) => `${l.partition}@${l.epoch}`).join(', ')} lost`);
  }
}

const INCIDENT_COLUMNS = `id uuid, signature text, status text, title text, severity text, system text, facilities text[], departments text[],
  first_seen timestamptz, last_seen timestamptz, opened_at timestamptz, resolved_at timestamptz, child_count integer, distinct_requesters integer,
  patient_impact boolean, correlation_id text, updated_at timestamptz, episode integer, origin text, priority text, priority_rule text, queue text,
  routing_rule text, parent_id uuid, merged_into uuid, suppressed_by text, acknowledged_by text, acknowledged_at timestamptz, suggestions jsonb, context jsonb`;
const INCIDENT_NAMES = INCIDENT_COLUMNS.split(',').map((c) => c.trim().split(/\s+/)[0]);
const INCIDENTS = table(`
  INSERT INTO incident (${INCIDENT_NAMES.join(', ')})
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(${INCIDENT_COLUMNS})
  ON CONFLICT (id) DO UPDATE SET ${INCIDENT_NAMES.filter((n) => n !== 'id').map((n) => `${n} = excluded.${n}`).join(', ')}`);

const CHILD_COLUMNS = `incident_id uuid, child_key text, id text, kind text, source_type text, source_system text, source_instance text, status text,
  severity text, first_seen timestamptz, changed_at timestamptz, repeats integer, requester_token text, facility text, department text,
  attached_by text, attached_score real`;
const CHILD_NAMES = CHILD_COLUMNS.split(',').map((c) => c.trim().split(/\s+/)[0]);
const CHILDREN = table(`
  INSERT INTO incident_child (${CHILD_NAMES.join(', ')})
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(${CHILD_COLUMNS})
  ON CONFLICT (incident_id, child_key) DO UPDATE SET ${CHILD_NAMES.filter((n) => n !== 'incident_id' && n !== 'child_key').map((n) => `${n} = excluded.${n}`).join(', ')}`);

const DELIVERIES = table(`
  INSERT INTO outbox_delivery (outbox_id, destination, incident_id)
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(outbox_id bigint, destination text, incident_id uuid)`);

async function insertRows(tx: EntityManager, target: Table, rows: object[]): Promise<void> {
  if (rows.length > 0) await tx.query(target.sql, [JSON.stringify(rows)]);
}

function journalRow(row: ChainedJournalRow): object {
  return {
    signature: row.signature,
    seq: row.seq,
    incident_id: row.incidentId,
    kind: row.kind,
    child_key: row.childKey ?? null,
    at: row.at,
    correlation_id: row.correlationId,
    data: row.data,
    prev_hash: row.prevHash,
    row_hash: row.rowHash,
    rule_id: row.rule?.id ?? null,
    rule_version: row.rule?.version ?? null,
  };
}

/** The snapshot keeps everything but the children, which live in incident_child. */
function snapshotRow({ snapshot, nextDueAt }: ActorChange, now: string): object {
  const { state } = snapshot;
  // The tally stays (it is small and saves a recount); the children are rows.
  const stored = state.status === 'none' ? state : { ...state, incident: { ...state.incident, children: {} } };
  return {
    signature: snapshot.signature,
    seq: snapshot.seq,
    last_hash: snapshot.lastHash,
    version: SNAPSHOT_VERSION,
    state: stored,
    updated_at: now,
    next_due_at: nextDueAt,
    sig_hash: signatureHash(snapshot.signature),
  };
}

function incidentOf(state: IncidentState): IncidentBody {
  if (state.status === 'none') throw new Error(`no incident for ${state.signature}`);
  return state.incident;
}

function incidentRow(state: IncidentState, now: string): object {
  const incident = incidentOf(state);
  return {
    id: incident.id,
    signature: incident.signature,
    status: state.status,
    title: incident.title,
    severity: incident.severity,
    system: incident.system,
    facilities: incident.facilities,
    departments: incident.departments,
    first_seen: incident.firstSeen,
    last_seen: incident.lastSeen,
    opened_at: incident.openedAt,
    resolved_at: incident.resolvedAt,
    child_count: childCount(incident),
    distinct_requesters: distinctRequesters(incident),
    patient_impact: incident.patientImpact,
    correlation_id: incident.correlationId,
    updated_at: now,
    episode: incident.episode,
    origin: incident.origin,
    priority: incident.priority,
    priority_rule: ref(incident.priorityRule),
    queue: incident.queue,
    routing_rule: ref(incident.routingRule),
    parent_id: incident.parent?.incidentId ?? null,
    merged_into: state.status === 'merged' ? state.into.incidentId : null,
    suppressed_by: incident.suppressed ? ref(incident.suppressed) : null,
    acknowledged_by: incident.acknowledged?.by ?? null,
    acknowledged_at: incident.acknowledged?.at ?? null,
    suggestions: incident.suggestions.map((s) => ({ id: s.id, fromIncidentId: s.from.incidentId, score: s.score, rule: ref(s.rule), title: s.title })),
    context: incident.context,
  };
}

function childRows(change: ActorChange): object[] {
  const incident = incidentOf(change.snapshot.state);
  return change.touchedChildren.flatMap((key) => {
    const child = childOf(incident, key);
    if (!child) return [];
    return [
      {
        incident_id: incident.id,
        child_key: child.key,
        id: child.id,
        kind: child.kind,
        source_type: child.source.type,
        source_system: child.source.system,
        source_instance: child.source.instance ?? null,
        status: child.status,
        severity: child.severity,
        first_seen: child.firstSeen,
        changed_at: child.changedAt,
        repeats: child.repeats,
        requester_token: child.requesterToken ?? null,
        facility: child.facility ?? null,
        department: child.department ?? null,
        attached_by: child.attachedBy ? ref(child.attachedBy) : null,
        attached_score: child.attachedBy?.score ?? null,
      },
    ];
  });
}

interface ChildRow {
  child_key: string;
  id: string;
  kind: string;
  source_type: string;
  source_system: string;
  source_instance: string | null;
  status: string;
  severity: string;
  first_seen: Date;
  changed_at: Date;
  repeats: number;
  requester_token: string | null;
  facility: string | null;
  department: string | null;
  attached_by: string | null;
  attached_score: number | null;
}

/** The exact Child an actor held: rows round-trip every field evolve reads. */
function childFromRow(row: ChildRow): Child {
  const attached = row.attached_by ? /^(.*)@(\d+)$/.exec(row.attached_by) : null;
  return {
    key: row.child_key,
    id: row.id,
    kind: row.kind as EventKind,
    source: { type: row.source_type as SourceType, system: row.source_system, ...(row.source_instance ? { instance: row.source_instance } : {}) },
    status: row.status as EventStatus,
    severity: row.severity as Severity,
    firstSeen: row.first_seen.toISOString(),
    changedAt: row.changed_at.toISOString(),
    repeats: row.repeats,
    ...(row.requester_token ? { requesterToken: row.requester_token } : {}),
    ...(row.facility ? { facility: row.facility } : {}),
    ...(row.department ? { department: row.department } : {}),
    ...(attached ? { attachedBy: { id: attached[1], version: Number(attached[2]), score: row.attached_score ?? 0 } } : {}),
  };
}

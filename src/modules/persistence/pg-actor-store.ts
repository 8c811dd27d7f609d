import type { DataSource, EntityManager } from 'typeorm';
import type { ActorChange, ActorSnapshot, ActorStore } from '../../actors/actor-store.js';
import type { ChainedJournalRow } from '../../actors/journal-chain.js';
import type { TicketEvent } from '../../correlation/tickets.js';
import { childrenOf, distinctRequesters, type IncidentBody, type IncidentState, type IncidentStatus } from '../../correlation/incident.js';
import { ActorSnapshotRow, IncidentChildRow, IncidentRow, JournalRow } from '../database/entities.js';

/** Bumped when the shape of IncidentState changes; hydration refuses snapshots it cannot read. */
export const SNAPSHOT_VERSION = 2;

// Postgres takes at most 65,535 bind parameters a statement; 1,000 rows of ≤17 columns stay under.
const CHUNK = 1000;

/** Which destinations a ticket event fans out to (NATS, webhooks): decided when it is written. */
export type Destinations = (type: string, queue: string) => string[];

export class PgActorStore implements ActorStore {
  constructor(
    private readonly db: DataSource,
    private readonly destinations: Destinations = () => ['nats'],
  ) {}

  async load(signature: string): Promise<ActorSnapshot | null> {
    const row = await this.db.getRepository(ActorSnapshotRow).findOneBy({ signature });
    if (!row) return null;
    if (row.version !== SNAPSHOT_VERSION) {
      throw new Error(`snapshot of ${signature} has version ${row.version}; this build reads ${SNAPSHOT_VERSION}`);
    }
    return { signature, seq: Number(row.seq), lastHash: row.lastHash, state: row.state as IncidentState };
  }

  async loadIndexable(): Promise<IncidentState[]> {
    const rows = await this.db.query<Array<{ state: IncidentState }>>(
      `SELECT state FROM actor_snapshot
        WHERE version = $1
          AND (state->>'status' IN ('open', 'acknowledged', 'flapping') OR state->'incident'->>'origin' = 'identity')`,
      [SNAPSHOT_VERSION],
    );
    return rows.map((row) => row.state);
  }

  async due(now: Date, limit: number): Promise<string[]> {
    const rows = await this.db.query<Array<{ signature: string }>>(
      `SELECT signature FROM actor_snapshot WHERE next_due_at <= $1 ORDER BY next_due_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => row.signature);
  }

  async commit(changes: ActorChange[]): Promise<void> {
    const now = new Date();
    await this.db.transaction(async (tx) => {
      await insertChunked(tx, JournalRow, changes.flatMap((change) => change.journal.map(toJournalRow)));
      await upsertChunked(tx, ActorSnapshotRow, changes.map((change) => toSnapshotRow(change, now)), ['signature']);
      const live = changes.filter((change) => change.snapshot.state.status !== 'none');
      await upsertChunked(tx, IncidentRow, live.map((change) => toIncidentRow(change.snapshot.state, now)), ['id']);
      await upsertChunked(tx, IncidentChildRow, live.flatMap(touchedChildRows), ['incidentId', 'childKey']);
      await this.writeOutbox(tx, changes.flatMap((change) => change.tickets));
    });
  }

  /** Ticket events and one delivery row per destination; a replayed batch cannot enqueue a ticket twice. */
  private async writeOutbox(tx: EntityManager, tickets: TicketEvent[]): Promise<void> {
    if (tickets.length === 0) return;
    const inserted = await tx.query<Array<{ id: string; event_key: string }>>(
      `INSERT INTO outbox (event_key, incident_id, queue, type, payload)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[])
       ON CONFLICT (event_key) DO NOTHING RETURNING id, event_key`,
      [
        tickets.map((t) => t.eventKey),
        tickets.map((t) => t.incident.id),
        tickets.map((t) => t.incident.queue),
        tickets.map((t) => t.type),
        tickets.map((t) => JSON.stringify(t)),
      ],
    );
    const byKey = new Map(tickets.map((t) => [t.eventKey, t]));
    const rows = inserted.flatMap(({ id, event_key }) => {
      const ticket = byKey.get(event_key);
      return ticket ? this.destinations(ticket.type, ticket.incident.queue).map((destination) => ({ id, destination, incidentId: ticket.incident.id })) : [];
    });
    await tx.query(
      `INSERT INTO outbox_delivery (outbox_id, destination, incident_id)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::uuid[])`,
      [rows.map((r) => r.id), rows.map((r) => r.destination), rows.map((r) => r.incidentId)],
    );
  }
}

type Row = IncidentRow | IncidentChildRow | JournalRow | ActorSnapshotRow;
type RowClass<T extends Row> = new () => T;

async function insertChunked<T extends Row>(tx: EntityManager, entity: RowClass<T>, rows: Partial<T>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    await tx.createQueryBuilder().insert().into(entity).values(rows.slice(i, i + CHUNK) as never).updateEntity(false).execute();
  }
}

async function upsertChunked<T extends Row>(
  tx: EntityManager,
  entity: RowClass<T>,
  rows: Partial<T>[],
  conflict: string[],
): Promise<void> {
  if (rows.length === 0) return;
  const metadata = tx.connection.getMetadata(entity);
  const conflictColumns = conflict.map((property) => metadata.findColumnWithPropertyName(property)?.databaseName ?? property);
  const updateColumns = metadata.columns.map((column) => column.databaseName).filter((name) => !conflictColumns.includes(name));
  for (let i = 0; i < rows.length; i += CHUNK) {
    await tx
      .createQueryBuilder()
      .insert()
      .into(entity)
      .values(rows.slice(i, i + CHUNK) as never)
      .orUpdate(updateColumns, conflictColumns)
      .updateEntity(false)
      .execute();
  }
}

function toJournalRow(row: ChainedJournalRow): Partial<JournalRow> {
  return {
    signature: row.signature,
    seq: String(row.seq),
    incidentId: row.incidentId,
    kind: row.kind,
    childKey: row.childKey ?? null,
    ruleId: row.rule?.id ?? null,
    ruleVersion: row.rule?.version ?? null,
    at: new Date(row.at),
    correlationId: row.correlationId,
    data: row.data,
    prevHash: row.prevHash,
    rowHash: row.rowHash,
  };
}

function toSnapshotRow({ snapshot, nextDueAt }: ActorChange, now: Date): Partial<ActorSnapshotRow> {
  return {
    nextDueAt: nextDueAt === null ? null : new Date(nextDueAt),
    signature: snapshot.signature,
    seq: String(snapshot.seq),
    lastHash: snapshot.lastHash,
    version: SNAPSHOT_VERSION,
    state: snapshot.state,
    updatedAt: now,
  };
}

function incidentOf(state: IncidentState): IncidentBody & { status: IncidentStatus } {
  if (state.status === 'none') throw new Error(`no incident for ${state.signature}`);
  return { ...state.incident, status: state.status };
}

function toIncidentRow(state: IncidentState, now: Date): Partial<IncidentRow> {
  const incident = incidentOf(state);
  return {
    id: incident.id,
    signature: incident.signature,
    status: incident.status,
    episode: incident.episode,
    origin: incident.origin,
    priority: incident.priority,
    priorityRule: `${incident.priorityRule.id}@${incident.priorityRule.version}`,
    queue: incident.queue,
    routingRule: `${incident.routingRule.id}@${incident.routingRule.version}`,
    parentId: incident.parent?.incidentId ?? null,
    mergedInto: state.status === 'merged' ? state.into.incidentId : null,
    suppressedBy: incident.suppressed ? `${incident.suppressed.id}@${incident.suppressed.version}` : null,
    acknowledgedBy: incident.acknowledged?.by ?? null,
    acknowledgedAt: incident.acknowledged ? new Date(incident.acknowledged.at) : null,
    context: incident.context ? { ...incident.context } : null,
    suggestions: incident.suggestions.map((s) => ({ id: s.id, fromIncidentId: s.from.incidentId, score: s.score, rule: `${s.rule.id}@${s.rule.version}`, title: s.title })),
    title: incident.title,
    severity: incident.severity,
    system: incident.system,
    facilities: incident.facilities,
    departments: incident.departments,
    firstSeen: new Date(incident.firstSeen),
    lastSeen: new Date(incident.lastSeen),
    openedAt: new Date(incident.openedAt),
    resolvedAt: incident.resolvedAt === null ? null : new Date(incident.resolvedAt),
    childCount: childrenOf(incident).length,
    distinctRequesters: distinctRequesters(incident),
    patientImpact: incident.patientImpact,
    correlationId: incident.correlationId,
    updatedAt: now,
  };
}

function touchedChildRows(change: ActorChange): Partial<IncidentChildRow>[] {
  const incident = incidentOf(change.snapshot.state);
  return change.touchedChildren.flatMap((key) => {
    const child = incident.children[key];
    if (!child) return [];
    return [
      {
        incidentId: incident.id,
        childKey: child.key,
        id: child.id,
        kind: child.kind,
        sourceType: child.source.type,
        sourceSystem: child.source.system,
        status: child.status,
        severity: child.severity,
        firstSeen: new Date(child.firstSeen),
        changedAt: new Date(child.changedAt),
        repeats: child.repeats,
        requesterToken: child.requesterToken ?? null,
        facility: child.facility ?? null,
        department: child.department ?? null,
        attachedBy: child.attachedBy ? `${child.attachedBy.id}@${child.attachedBy.version}` : null,
      },
    ];
  });
}

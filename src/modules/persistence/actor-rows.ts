import type { ActorChange } from '../../actors/actor-store.js';
import type { ChainedJournalRow } from '../../actors/journal-chain.js';
import type { EventKind, EventStatus, Severity, SourceType } from '../../correlation/canonical-event.js';
import { childCount, childOf, distinctRequesters, type Child, type IncidentBody, type IncidentState } from '../../correlation/incident.js';
import type { SourceInterner } from '../../correlation/source-interner.js';
import type { TicketEvent } from '../../correlation/tickets.js';
import { signatureHash } from '../cluster/partitioning.js';
import { binaryArray, type BinaryColumnType, type BinaryColumnValue } from './binary-arrays.js';

// The actor store's rows, both ways: what an actor's change writes (snapshot, incident read model,
// children, journal, outbox, subject addresses) and the child an incident_child row reads back as.
// No SQL: the statements are the store's (pg-actor-store.ts).

/** Bumped when the shape of IncidentState changes; hydration refuses snapshots it cannot read. */
export const SNAPSHOT_VERSION = 3;

export const ref = (r: { id: string; version: number }) => `${r.id}@${r.version}`;

/** The journal's columns, each with how a chained row fills it. */
export const JOURNAL_FIELDS: Array<[name: string, type: BinaryColumnType, value: (row: ChainedJournalRow) => BinaryColumnValue]> = [
  ['signature', 'text', (row) => row.signature],
  ['seq', 'bigint', (row) => row.seq],
  ['incident_id', 'uuid', (row) => row.incidentId],
  ['kind', 'text', (row) => row.kind],
  ['child_key', 'text', (row) => row.childKey],
  ['at', 'timestamptz', (row) => row.at],
  ['correlation_id', 'text', (row) => row.correlationId],
  ['data', 'jsonb', (row) => row.data],
  ['prev_hash', 'text', (row) => row.prevHash],
  ['row_hash', 'text', (row) => row.rowHash],
  ['rule_id', 'text', (row) => row.rule?.id],
  ['rule_version', 'integer', (row) => row.rule?.version],
];

/** incident_child's columns, each with how a child (of the incident with this id) fills it. */
export const CHILD_FIELDS: Array<[name: string, type: BinaryColumnType, value: (child: Child, incidentId: string) => BinaryColumnValue]> = [
  ['incident_id', 'uuid', (_, incidentId) => incidentId],
  ['child_key', 'text', (child) => child.key],
  ['id', 'text', (child) => child.id],
  ['kind', 'text', (child) => child.kind],
  ['source_type', 'text', (child) => child.source.type],
  ['source_system', 'text', (child) => child.source.system],
  ['source_instance', 'text', (child) => child.source.instance],
  ['status', 'text', (child) => child.status],
  ['severity', 'text', (child) => child.severity],
  ['first_seen', 'timestamptz', (child) => child.firstSeen],
  ['changed_at', 'timestamptz', (child) => child.changedAt],
  ['repeats', 'integer', (child) => child.repeats],
  ['requester_token', 'text', (child) => child.requesterToken],
  ['facility', 'text', (child) => child.facility],
  ['department', 'text', (child) => child.department],
  ['attached_by', 'text', (child) => (child.attachedBy ? ref(child.attachedBy) : null)],
  ['attached_score', 'real', (child) => child.attachedBy?.score],
  ['rev', 'bigint', (child) => child.rev ?? 0],
];

export const addressRow = ({ partition, token }: { partition: number; token: string }) => ({ partition, subject_token: token });

export const outboxRow = (t: TicketEvent) => ({ event_key: t.eventKey, incident_id: t.incident.id, queue: t.incident.queue, type: t.type, payload: t, sig_hash: signatureHash(t.incident.signature) });

/** The snapshot keeps everything but the children, which live in incident_child. */
export function snapshotRow({ snapshot, nextDueAt }: ActorChange, now: string): object {
  const { state } = snapshot;
  // The tally stays (it is small and saves a recount); the children are rows.
  const stored = state.status === 'none' ? state : { ...state, incident: { ...state.incident, children: [] } };
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

export const isIdentity = (state: IncidentState) => state.status !== 'none' && state.incident.origin === 'identity';

export function incidentOf(state: IncidentState): IncidentBody {
  if (state.status === 'none') throw new Error(`no incident for ${state.signature}`);
  return state.incident;
}

export function incidentRow(state: IncidentState, now: string): object {
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

/** The batch's journal rows as one binary array per column (JOURNAL_FIELDS). */
export function journalColumns(changes: ActorChange[]): Buffer[] {
  const rows = changes.flatMap((change) => change.journal);
  return JOURNAL_FIELDS.map(([, type, value]) => binaryArray(type, rows.map(value)));
}

/** The touched children of the batch as one binary array per column of incident_child (CHILD_FIELDS). */
export function childColumns(changes: ActorChange[]): Buffer[] {
  const columns = CHILD_FIELDS.map((): BinaryColumnValue[] => []);
  for (const change of changes) {
    const incident = incidentOf(change.snapshot.state);
    for (const key of change.touchedChildren) {
      const child = childOf(incident, key);
      if (!child) continue;
      for (let i = 0; i < CHILD_FIELDS.length; i++) columns[i].push(CHILD_FIELDS[i][2](child, incident.id));
    }
  }
  return columns.map((values, i) => binaryArray(CHILD_FIELDS[i][1], values));
}

export interface SnapshotRow {
  signature: string;
  seq: string;
  last_hash: string;
  version: number;
  state: IncidentState;
}

export interface ChildRow {
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
  /** bigint: pg returns it as a string. */
  rev: string;
}

/** The exact Child an actor held: rows round-trip every field evolve reads. */
export function childFromRow(row: ChildRow, sources: SourceInterner): Child {
  const attached = row.attached_by ? /^(.*)@(\d+)$/.exec(row.attached_by) : null;
  return {
    key: row.child_key,
    id: row.id,
    kind: row.kind as EventKind,
    source: sources.intern({ type: row.source_type as SourceType, system: row.source_system, instance: row.source_instance || undefined }),
    status: row.status as EventStatus,
    severity: row.severity as Severity,
    firstSeen: row.first_seen.toISOString(),
    changedAt: row.changed_at.toISOString(),
    repeats: row.repeats,
    ...(row.requester_token ? { requesterToken: row.requester_token } : {}),
    ...(row.facility ? { facility: row.facility } : {}),
    ...(row.department ? { department: row.department } : {}),
    ...(attached ? { attachedBy: { id: attached[1], version: Number(attached[2]), score: row.attached_score ?? 0 } } : {}),
    rev: Number(row.rev),
  };
}

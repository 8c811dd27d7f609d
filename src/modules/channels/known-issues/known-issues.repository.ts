import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { IssueRow } from './known-issues.view.js';

interface Row {
  id: string;
  status: IssueRow['status'];
  origin: string;
  priority: string;
  queue: string | null;
  system: string;
  facilities: string[];
  departments: string[];
  first_seen: Date;
  resolved_at: Date | null;
  suppressed_by: string | null;
  distinct_requesters: number;
  child_count: number;
  patient_impact: boolean;
  context: Record<string, unknown> | null;
  note: string | null;
  eta: Date | null;
  note_updated_at: Date | null;
}

const ACTIVE = `i.status IN ('open', 'acknowledged', 'flapping')`;
const SELECT = `SELECT i.id, i.status, i.origin, i.priority, i.queue, i.system, i.facilities, i.departments, i.first_seen, i.resolved_at,
              i.suppressed_by, i.distinct_requesters, i.child_count, i.patient_impact, i.context,
              n.note, n.eta, n.updated_at AS note_updated_at
         FROM incident i LEFT JOIN incident_public_note n ON n.incident_id = i.id`;

const toIssueRow = (r: Row): IssueRow => ({
  id: r.id,
  status: r.status,
  origin: r.origin,
  priority: r.priority,
  queue: r.queue,
  system: r.system,
  facilities: r.facilities,
  departments: r.departments,
  firstSeen: r.first_seen,
  resolvedAt: r.resolved_at,
  suppressedBy: r.suppressed_by,
  distinctRequesters: r.distinct_requesters,
  childCount: r.child_count,
  patientImpact: r.patient_impact,
  context: r.context,
  note: r.note === null ? null : { text: r.note, eta: r.eta, updatedAt: r.note_updated_at ?? new Date(0) },
});

/** The incidents the known-issues page shows, with the notes agents published for them. */
@Injectable()
export class KnownIssuesRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Active incidents, and those resolved since `resolvedSince`, of one facility (an incident that
   * names none is every site's) and one system when given, codes compared without case as the
   * read models keep them; worst first.
   */
  async issues(scope: { facility?: string; system?: string }, resolvedSince: Date, limit: number): Promise<IssueRow[]> {
    const rows = await this.db.query<Row[]>(
      `${SELECT}
        WHERE (${ACTIVE} OR (i.status = 'resolved' AND i.resolved_at >= $3))
          AND ($1::text IS NULL OR cardinality(i.facilities) = 0 OR EXISTS (SELECT 1 FROM unnest(i.facilities) f WHERE lower(f) = $1))
          AND ($2::text IS NULL OR lower(i.system) = $2)
        ORDER BY (i.status = 'resolved'), i.priority, i.first_seen DESC
        LIMIT $4`,
      [scope.facility ?? null, scope.system ?? null, resolvedSince, limit],
    );
    return rows.map(toIssueRow);
  }

  /** One active incident as the page shows it (for a "me too"). */
  async activeIssue(id: string): Promise<IssueRow | undefined> {
    const rows = await this.db.query<Row[]>(`${SELECT} WHERE i.id = $1 AND ${ACTIVE}`, [id]);
    return rows.map(toIssueRow)[0];
  }

  /** Whether the incident already holds the event with this id token (a "me too" said before). */
  async holdsChild(incidentId: string, childId: string): Promise<boolean> {
    const rows = await this.db.query<unknown[]>(`SELECT 1 FROM incident_child WHERE incident_id = $1 AND id = $2 LIMIT 1`, [incidentId, childId]);
    return rows.length > 0;
  }

  /** Sets (or replaces) the note clinicians see on the incident. */
  async setNote(incidentId: string, note: string, eta: Date | null, setBy: string, at: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO incident_public_note (incident_id, note, eta, set_by, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (incident_id) DO UPDATE SET note = EXCLUDED.note, eta = EXCLUDED.eta, set_by = EXCLUDED.set_by, updated_at = EXCLUDED.updated_at`,
      [incidentId, note, eta, setBy, at],
    );
  }

  async clearNote(incidentId: string): Promise<void> {
    await this.db.query(`DELETE FROM incident_public_note WHERE incident_id = $1`, [incidentId]);
  }
}

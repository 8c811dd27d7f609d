import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { IncidentRecord, ParentRecord, SpreadRecord } from './blast-radius.compute.js';
import type { ChildBucketStats, GrowthChild, IncidentSpan } from './buckets.js';
import type { OutcomeIncident, Reroute } from './outcomes.js';

/** Statuses of an incident somebody is still working on. */
export const ACTIVE = `('open', 'acknowledged', 'flapping')`;

const INCIDENT_COLUMNS = `
  i.id, i.status, i.priority, i.system, i.queue, i.parent_id, i.facilities, i.departments,
  i.child_count, i.distinct_requesters, i.patient_impact, i.opened_at, i.first_seen, i.last_seen,
  i.context->>'facilityName' AS facility_name, i.context->>'departmentName' AS department_name`;

interface IncidentSqlRow {
  id: string;
  status: string;
  priority: string;
  system: string;
  queue: string | null;
  parent_id: string | null;
  facilities: string[];
  departments: string[];
  child_count: number;
  distinct_requesters: number;
  patient_impact: boolean;
  opened_at: Date;
  first_seen: Date;
  last_seen: Date;
  facility_name: string | null;
  department_name: string | null;
}

interface SpreadSqlRow {
  incident_id: string;
  facility: string | null;
  departments: string[];
  children: number;
  requesters: number;
  whole: number;
}

const toIncident = (r: IncidentSqlRow): IncidentRecord => ({
  id: r.id,
  status: r.status,
  priority: r.priority,
  system: r.system,
  queue: r.queue,
  parentId: r.parent_id,
  facilities: r.facilities,
  departments: r.departments,
  childCount: r.child_count,
  distinctRequesters: r.distinct_requesters,
  patientImpact: r.patient_impact,
  openedAt: r.opened_at,
  firstSeen: r.first_seen,
  lastSeen: r.last_seen,
  facilityName: r.facility_name,
  departmentName: r.department_name,
});

export interface BlastRows {
  incidents: IncidentRecord[];
  spread: SpreadRecord[];
  parents: ParentRecord[];
  peopleAffected: number;
}

/**
 * The SQL behind the blast radius, on the read models the actors keep current (`incident`,
 * `incident_child`, `outbox`); the journal is never scanned. Each method is one or two statements.
 */
@Injectable()
export class BlastRadiusReads {
  private readonly perIncident = new Map<string, { updated: string; spread: SpreadRecord[]; tokens: string[] }>();
  private readonly rows = new Map<string, IncidentRecord>();

  constructor(private readonly db: DataSource) {}

  /** Changes whenever the runtime writes an incident (it does in every batch that touches one). */
  async version(): Promise<string> {
    const rows = await this.db.query<Array<{ v: string | null }>>(`SELECT max(updated_at)::text AS v FROM incident`);
    return rows[0]?.v ?? 'empty';
  }

  /**
   * Incidents active now, as the read model holds them. Each incident's row, spread and requester
   * set are cached, keyed by its `updated_at` (the runtime bumps it whenever the incident or its
   * children change): after a write only the incidents that changed are read and grouped again.
   */
  async now(): Promise<BlastRows> {
    // Which incidents are active, and which of them changed since the last answer: a narrow read.
    // xmin changes with every write of the row, even two within the same millisecond.
    const versions = await this.db.query<Array<{ id: string; updated: string }>>(
      `SELECT i.id, i.xmin::text AS updated FROM incident i WHERE i.status IN ${ACTIVE}`,
    );
    const changed = versions.filter((v) => this.perIncident.get(v.id)?.updated !== v.updated).map((v) => v.id);
    if (changed.length > 0) {
      const rows = await this.db.query<IncidentSqlRow[]>(`SELECT ${INCIDENT_COLUMNS} FROM incident i WHERE i.id = ANY($1::uuid[])`, [changed]);
      for (const row of rows) this.rows.set(row.id, toIncident(row));
    }
    const incidents = versions;
    if (changed.length > 0) {
      const [spread, tokens] = await Promise.all([
        this.spread(`c.incident_id = ANY($1::uuid[])`, [changed]),
        this.db.query<Array<{ incident_id: string; tokens: string[] }>>(
          `SELECT incident_id, array_agg(DISTINCT requester_token) AS tokens FROM incident_child
            WHERE incident_id = ANY($1::uuid[]) AND requester_token IS NOT NULL GROUP BY incident_id`,
          [changed],
        ),
      ]);
      const byIncident = new Map<string, { updated: string; spread: SpreadRecord[]; tokens: string[] }>();
      const wanted = new Set(changed);
      for (const i of incidents) if (wanted.has(i.id)) byIncident.set(i.id, { updated: i.updated, spread: [], tokens: [] });
      for (const row of spread) if (row.whole === 0) byIncident.get(row.incident_id)?.spread.push(toSpread(row));
      for (const row of tokens) {
        const entry = byIncident.get(row.incident_id);
        if (entry) entry.tokens = row.tokens;
      }
      for (const [id, entry] of byIncident) this.perIncident.set(id, entry);
    }
    const active = new Set(incidents.map((i) => i.id));
    for (const id of this.perIncident.keys()) if (!active.has(id)) this.perIncident.delete(id);
    for (const id of this.rows.keys()) if (!active.has(id)) this.rows.delete(id);
    const people = new Set<string>();
    for (const entry of this.perIncident.values()) for (const token of entry.tokens) people.add(token);
    const spread = [...this.perIncident.values()].flatMap((entry) => entry.spread);
    const records = incidents.flatMap((i) => {
      const record = this.rows.get(i.id);
      return record ? [record] : [];
    });
    return this.withParents(records, spread, people.size);
  }

  /**
   * Incidents active at a past instant: opened by then and not resolved by then. Their children are
   * those first seen by then, so counts and facilities are as they stood at that moment (see the
   * README on incidents that were reopened: only their latest opening and resolution are kept).
   */
  async at(at: Date): Promise<BlastRows> {
    const params = [at.toISOString()];
    const active = `i.opened_at <= $1 AND (i.resolved_at IS NULL OR i.resolved_at > $1) AND i.status <> 'merged'`;
    const [incidents, spread, people] = await Promise.all([
      this.db.query<IncidentSqlRow[]>(`SELECT ${INCIDENT_COLUMNS} FROM incident i WHERE ${active}`, params),
      this.spread(`${active} AND c.first_seen <= $1`, params),
      this.db.query<Array<{ n: number }>>(
        `SELECT count(DISTINCT c.requester_token)::int AS n FROM incident_child c JOIN incident i ON i.id = c.incident_id WHERE ${active} AND c.first_seen <= $1`,
        params,
      ),
    ]);
    const totals = new Map(spread.filter((s) => s.whole === 1).map((s) => [s.incident_id, s]));
    // Counts as they stood then, from the children first seen by then, not today's totals.
    const asThen = incidents.map(toIncident).map((i) => ({ ...i, childCount: totals.get(i.id)?.children ?? 0, distinctRequesters: totals.get(i.id)?.requesters ?? 0 }));
    return this.withParents(asThen, spread.filter((s) => s.whole === 0).map(toSpread), people[0]?.n ?? 0);
  }

  /** Incidents open at any moment of [from, to). */
  async spans(from: Date, to: Date): Promise<Array<IncidentSpan & { id: string; system: string; facilities: string[] }>> {
    const rows = await this.db.query<Array<{ id: string; priority: string; system: string; facilities: string[]; opened_at: Date; resolved_at: Date | null }>>(
      `SELECT id, priority, system, facilities, opened_at, resolved_at FROM incident
        WHERE opened_at < $2 AND (resolved_at IS NULL OR resolved_at >= $1) AND status <> 'merged'`,
      [from.toISOString(), to.toISOString()],
    );
    return rows.map((r) => ({ id: r.id, priority: r.priority, system: r.system, facilities: r.facilities, openedAt: r.opened_at, resolvedAt: r.resolved_at }));
  }

  /** Children first seen in [from, to), counted per bucket of `stepMs` and over the whole range (bucket -1). */
  async childBuckets(from: Date, to: Date, stepMs: number): Promise<Map<number, ChildBucketStats>> {
    const rows = await this.db.query<Array<{ bucket: number | null; children: number; requesters: number; facilities: number }>>(
      `SELECT b.bucket, count(*)::int AS children, count(DISTINCT b.requester_token)::int AS requesters, count(DISTINCT b.facility)::int AS facilities
         FROM (SELECT floor(extract(epoch FROM c.first_seen - $1::timestamptz) * 1000 / $3::float8)::int AS bucket, c.requester_token, c.facility
                 FROM incident_child c
                WHERE c.first_seen >= $1::timestamptz AND c.first_seen < $2::timestamptz) b
        GROUP BY GROUPING SETS ((b.bucket), ())`,
      [from.toISOString(), to.toISOString(), stepMs],
    );
    return new Map(rows.map((r) => [r.bucket ?? -1, { childCount: r.children, requesters: r.requesters, facilities: r.facilities }]));
  }

  async incident(id: string): Promise<{ row: IncidentRecord & { resolvedAt: Date | null }; children: Array<GrowthChild & { department: string | null }>; parents: ParentRecord[] } | undefined> {
    const rows = await this.db.query<Array<IncidentSqlRow & { resolved_at: Date | null }>>(`SELECT ${INCIDENT_COLUMNS}, i.resolved_at FROM incident i WHERE i.id = $1`, [id]);
    const row = rows[0];
    if (!row) return undefined;
    const [children, parents] = await Promise.all([
      this.db.query<Array<{ first_seen: Date; facility: string | null; department: string | null; requester_token: string | null }>>(
        `SELECT first_seen, facility, department, requester_token FROM incident_child WHERE incident_id = $1`,
        [id],
      ),
      row.parent_id ? this.parents([row.parent_id]) : Promise.resolve([]),
    ]);
    return {
      row: { ...toIncident(row), resolvedAt: row.resolved_at },
      children: children.map((c) => ({ firstSeen: c.first_seen, facility: c.facility, department: c.department, requesterToken: c.requester_token })),
      parents,
    };
  }

  /** Incidents opened in [from, to), with how many of their children are reports. */
  async outcomeIncidents(from: Date, to: Date): Promise<OutcomeIncident[]> {
    const rows = await this.db.query<
      Array<{ id: string; priority: string; system: string; queue: string | null; origin: string; opened_at: Date; acknowledged_at: Date | null; resolved_at: Date | null; child_count: number; reports: number }>
    >(
      `SELECT i.id, i.priority, i.system, i.queue, i.origin, i.opened_at, i.acknowledged_at, i.resolved_at, i.child_count,
              (SELECT count(*)::int FROM incident_child c WHERE c.incident_id = i.id AND c.kind = 'report') AS reports
         FROM incident i
        WHERE i.opened_at >= $1 AND i.opened_at < $2 AND i.status <> 'merged'`,
      [from.toISOString(), to.toISOString()],
    );
    return rows.map((r) => ({
      id: r.id,
      priority: r.priority,
      system: r.system,
      queue: r.queue,
      origin: r.origin,
      openedAt: r.opened_at,
      acknowledgedAt: r.acknowledged_at,
      resolvedAt: r.resolved_at,
      childCount: r.child_count,
      reportChildren: r.reports,
    }));
  }

  /**
   * Reroutes: the runtime writes a `ticket.updated` outbox row carrying `previousQueue` whenever a
   * ticketed incident changes queue (in the same transaction as the decision), so the outbox is
   * already a projection of reroutes; no journal scan and no new projection in the runtime.
   */
  async reroutes(from: Date, to: Date): Promise<{ byPath: Reroute[]; incidents: number }> {
    const where = `o.type = 'ticket.updated' AND o.payload->'details' ? 'previousQueue' AND o.created_at >= $1 AND o.created_at < $2`;
    const params = [from.toISOString(), to.toISOString()];
    const [paths, incidents] = await Promise.all([
      this.db.query<Array<{ from: string | null; to: string; count: number }>>(
        `SELECT o.payload->'details'->>'previousQueue' AS "from", o.payload->'details'->>'queue' AS "to", count(*)::int AS count
           FROM outbox o WHERE ${where} GROUP BY 1, 2`,
        params,
      ),
      this.db.query<Array<{ n: number }>>(`SELECT count(DISTINCT o.incident_id)::int AS n FROM outbox o WHERE ${where}`, params),
    ]);
    return { byPath: paths.map((p) => ({ from: p.from, to: p.to ?? '(unrouted)', count: p.count })), incidents: incidents[0]?.n ?? 0 };
  }

  /** Per incident and facility: departments, children and distinct requesters (whole = 0), and per incident (whole = 1). */
  private spread(where: string, params: unknown[]): Promise<SpreadSqlRow[]> {
    return this.db.query<SpreadSqlRow[]>(
      `SELECT c.incident_id, c.facility, array_remove(array_agg(DISTINCT c.department), NULL) AS departments,
              count(*)::int AS children, count(DISTINCT c.requester_token)::int AS requesters, GROUPING(c.facility) AS whole
         FROM incident_child c JOIN incident i ON i.id = c.incident_id
        WHERE ${where}
        GROUP BY GROUPING SETS ((c.incident_id, c.facility), (c.incident_id))`,
      params,
    );
  }

  private async withParents(incidents: IncidentRecord[], spread: SpreadRecord[], peopleAffected: number): Promise<BlastRows> {
    const parentIds = [...new Set(incidents.flatMap((i) => (i.parentId ? [i.parentId] : [])))];
    return { incidents, spread, parents: parentIds.length ? await this.parents(parentIds) : [], peopleAffected };
  }

  private parents(ids: string[]): Promise<ParentRecord[]> {
    return this.db.query<ParentRecord[]>(`SELECT id, system, status FROM incident WHERE id = ANY($1::uuid[])`, [ids]);
  }
}

function toSpread(r: SpreadSqlRow): SpreadRecord {
  return { incidentId: r.incident_id, facility: r.facility, departments: r.departments, childCount: r.children, requesters: r.requesters };
}

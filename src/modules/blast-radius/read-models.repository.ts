import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { IncidentRecord, ParentRecord, SpreadRecord } from './blast-radius.compute.js';
import type { ActiveIncident } from './blast-radius.live.js';
import type { ChildBucketStats, GrowthChild, IncidentSpan } from './buckets.js';
import type { OutcomeIncident, Reroute } from './outcomes.js';
import type { ChildMinute, ReportsInRange } from './trends.js';

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

/**
 * Codes as the read models should hold them: lower case. The correlator names every event's system
 * and facility in lower case before it becomes a child (correlation/names.ts), but rows written
 * before it did, or by hand, may not: `OVERLAKE` and `overlake` are one facility, and the API and
 * the dashboard must say so. Normalised here, on every read, rather than by rewriting rows.
 */
export const codeOf = (code: string): string => code.toLowerCase();
const codesOf = (codes: string[]): string[] => [...new Set(codes.map(codeOf))];

const toIncident = (r: IncidentSqlRow): IncidentRecord => ({
  id: r.id,
  status: r.status,
  priority: r.priority,
  system: codeOf(r.system),
  queue: r.queue,
  parentId: r.parent_id,
  facilities: codesOf(r.facilities),
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
 * What "now" depends on, per active incident: its row's `xmin` and, when it depends on another
 * incident, that one's `xmin` (its status is shown). `xmin` changes with every write of a row,
 * even two within the same millisecond, and the runtime rewrites an incident's row in the same
 * transaction as any change to its children.
 */
const KEY = `i.xmin::text || CASE WHEN i.parent_id IS NULL THEN '' ELSE '/' || coalesce((SELECT p.xmin::text FROM incident p WHERE p.id = i.parent_id), '-') END`;

/**
 * The version of "now": how many incidents are active and the sum of a 64-bit hash of each one's id
 * and key. Any write to one changes it; two different states share one with a chance of about one
 * in 10^19. A sum needs no sort (an md5 over the sorted keys cost twice as much).
 */
const VERSION = `SELECT count(*) || ':' || coalesce(sum(hashtextextended(i.id::text || ' ' || ${KEY}, 0)), 0) AS version FROM incident i WHERE i.status IN ${ACTIVE}`;

/**
 * The SQL behind the blast radius, on the read models the actors keep current (`incident`,
 * `incident_child`, `outbox`); the journal is never scanned. Each method is one or two statements.
 */
@Injectable()
export class BlastRadiusReads {
  constructor(private readonly db: DataSource) {}

  /**
   * Changes whenever anything "now" shows changes, whichever instance wrote: one indexed read of
   * the active incidents (a few ms at 5,000). Not `max(updated_at)`: two writes in the same
   * millisecond, or one by an instance whose clock is behind, would leave that unchanged.
   */
  async version(): Promise<string> {
    const rows = await this.db.query<Array<{ version: string }>>(VERSION);
    return rows[0]?.version ?? 'empty';
  }

  /**
   * The version and, unless it is still `known`, every active incident's key by id (to tell which
   * ones changed). One statement either way, one snapshot: the list is only built when asked for.
   */
  async active(known?: string): Promise<{ version: string; active?: Map<string, string> }> {
    const rows = await this.db.query<Array<{ version: string; keys: string | null }>>(
      `SELECT v.version, CASE WHEN v.version = $1 THEN NULL
                              ELSE (SELECT coalesce(string_agg(i.id::text || ' ' || ${KEY}, ','), '') FROM incident i WHERE i.status IN ${ACTIVE}) END AS keys
         FROM (${VERSION}) v`,
      [known ?? null],
    );
    const row = rows[0];
    if (!row) return { version: 'empty', active: new Map() };
    if (row.keys === null) return { version: row.version };
    // One row of "id key,id key,…" parses faster than 5,000 rows of two columns.
    const active = new Map<string, string>();
    for (const pair of row.keys ? row.keys.split(',') : []) {
      const space = pair.indexOf(' ');
      active.set(pair.slice(0, space), pair.slice(space + 1));
    }
    return { version: row.version, active };
  }

  /**
   * These incidents in full: row, spread over facilities, distinct requester tokens and the
   * incident each depends on. Read after `active`, so each is at least as new as its key there.
   */
  async activeIncidents(ids: string[]): Promise<ActiveIncident[]> {
    if (ids.length === 0) return [];
    const [rows, spread, tokens] = await Promise.all([
      this.db.query<IncidentSqlRow[]>(`SELECT ${INCIDENT_COLUMNS} FROM incident i WHERE i.id = ANY($1::uuid[])`, [ids]),
      this.spread(`c.incident_id = ANY($1::uuid[])`, [ids]),
      this.db.query<Array<{ incident_id: string; tokens: string[] }>>(
        `SELECT incident_id, array_agg(DISTINCT requester_token) AS tokens FROM incident_child
          WHERE incident_id = ANY($1::uuid[]) AND requester_token IS NOT NULL GROUP BY incident_id`,
        [ids],
      ),
    ]);
    const parentIds = [...new Set(rows.flatMap((r) => (r.parent_id ? [r.parent_id] : [])))];
    const parents = new Map((parentIds.length ? await this.parents(parentIds) : []).map((p) => [p.id, p]));
    const spreadOf = new Map<string, SpreadRecord[]>();
    for (const row of spread) if (row.whole === 0) spreadOf.set(row.incident_id, [...(spreadOf.get(row.incident_id) ?? []), toSpread(row)]);
    const tokensOf = new Map(tokens.map((t) => [t.incident_id, t.tokens]));
    return rows.map((r) => ({
      row: toIncident(r),
      spread: spreadOf.get(r.id) ?? [],
      tokens: tokensOf.get(r.id) ?? [],
      parent: r.parent_id ? parents.get(r.parent_id) : undefined,
    }));
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
    return rows.map((r) => ({ id: r.id, priority: r.priority, system: codeOf(r.system), facilities: codesOf(r.facilities), openedAt: r.opened_at, resolvedAt: r.resolved_at }));
  }

  /** Children first seen in [from, to), counted per bucket of `stepMs` and over the whole range (bucket -1). */
  async childBuckets(from: Date, to: Date, stepMs: number): Promise<Map<number, ChildBucketStats>> {
    const rows = await this.db.query<Array<{ bucket: number | null; children: number; requesters: number; facilities: number }>>(
      `SELECT b.bucket, count(*)::int AS children, count(DISTINCT b.requester_token)::int AS requesters, count(DISTINCT b.facility)::int AS facilities
         FROM (SELECT floor(extract(epoch FROM c.first_seen - $1::timestamptz) * 1000 / $3::float8)::int AS bucket, c.requester_token, lower(c.facility) AS facility
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
        `SELECT first_seen, lower(facility) AS facility, department, requester_token FROM incident_child WHERE incident_id = $1`,
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
      system: codeOf(r.system),
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
   * These incidents' children per minute first seen and kind, with how many people each minute
   * brought to the incident for the first time: their growth, without reading every child.
   */
  async childMinutes(ids: string[]): Promise<ChildMinute[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<Array<{ incident_id: string; minute: number; kind: string; children: number; people: number }>>(
      `SELECT c.incident_id, (floor(extract(epoch FROM c.first_seen) / 60) * 60)::float8 AS minute, c.kind,
              count(*)::int AS children, count(*) FILTER (WHERE c.first_of_person)::int AS people
         FROM (SELECT incident_id, first_seen, kind,
                      requester_token IS NOT NULL AND row_number() OVER (PARTITION BY incident_id, requester_token ORDER BY first_seen, child_key) = 1 AS first_of_person
                 FROM incident_child WHERE incident_id = ANY($1::uuid[])) c
        GROUP BY 1, 2, 3`,
      [ids],
    );
    return rows.map((r) => ({ incidentId: r.incident_id, minute: r.minute, kind: r.kind, children: r.children, newPeople: r.people }));
  }

  /** Per incident (merged ones left out): its reports first seen in [from, to), and how it was opened. */
  async reportsBetween(from: Date, to: Date): Promise<ReportsInRange[]> {
    const rows = await this.db.query<Array<{ id: string; priority: string; system: string; origin: string; opened_at: Date; reports: number }>>(
      `SELECT i.id, i.priority, i.system, i.origin, i.opened_at, count(*)::int AS reports
         FROM incident_child c JOIN incident i ON i.id = c.incident_id
        WHERE c.kind = 'report' AND c.first_seen >= $1 AND c.first_seen < $2 AND i.status <> 'merged'
        GROUP BY i.id`,
      [from.toISOString(), to.toISOString()],
    );
    return rows.map((r) => ({ id: r.id, priority: r.priority, system: codeOf(r.system), origin: r.origin, openedAt: r.opened_at, reports: r.reports }));
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
      `SELECT c.incident_id, lower(c.facility) AS facility, array_remove(array_agg(DISTINCT c.department), NULL) AS departments,
              count(*)::int AS children, count(DISTINCT c.requester_token)::int AS requesters, GROUPING(lower(c.facility)) AS whole
         FROM incident_child c JOIN incident i ON i.id = c.incident_id
        WHERE ${where}
        GROUP BY GROUPING SETS ((c.incident_id, lower(c.facility)), (c.incident_id))`,
      params,
    );
  }

  private async withParents(incidents: IncidentRecord[], spread: SpreadRecord[], peopleAffected: number): Promise<BlastRows> {
    const parentIds = [...new Set(incidents.flatMap((i) => (i.parentId ? [i.parentId] : [])))];
    return { incidents, spread, parents: parentIds.length ? await this.parents(parentIds) : [], peopleAffected };
  }

  private parents(ids: string[]): Promise<ParentRecord[]> {
    return this.db.query<ParentRecord[]>(`SELECT id, lower(system) AS system, status FROM incident WHERE id = ANY($1::uuid[])`, [ids]);
  }
}

function toSpread(r: SpreadSqlRow): SpreadRecord {
  return { incidentId: r.incident_id, facility: r.facility, departments: r.departments, childCount: r.children, requesters: r.requesters };
}

import type { DataSource } from 'typeorm';
import { CLEAR_MEMBERS, FORGOTTEN, SEALED } from './journal-cipher.js';

export interface ClosedIncident {
  id: string;
  signature: string;
}

/** What forgetting one chunk of incidents did. */
export interface ForgetCounts {
  keys: number;
  snapshots: number;
  outbox: number;
  /** Journal rows of these incidents from before sealing existed: their text stays readable (the journal refuses UPDATE). */
  plaintextRows: number;
}

/**
 * The SQL of retention (src/modules/retention/purge.ts runs it): which incidents are past it, and
 * forgetting them. The journal itself is never written: its sealed members become unreadable when
 * their keys are destroyed, and the chain, which covers the sealed bytes, still verifies.
 */
export class RetentionStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Incidents closed (resolved or merged) before `before`, not written since `quietSince` either,
   * and not forgotten yet; by id, after `after`. The incident table has no index for this on
   * purpose (migration 1765700000000): the walk by primary key reads it once per purge.
   */
  async closedBefore(before: Date, quietSince: Date, after: string | null, limit: number): Promise<ClosedIncident[]> {
    return this.db.query<ClosedIncident[]>(
      `SELECT id, signature FROM incident
        WHERE forgotten_at IS NULL AND status IN ('resolved', 'merged') AND coalesce(resolved_at, updated_at) < $1 AND updated_at < $2
          AND ($3::uuid IS NULL OR id > $3::uuid)
        ORDER BY id LIMIT $4`,
      [before, quietSince, after, limit],
    );
  }

  async countClosedBefore(before: Date, quietSince: Date): Promise<number> {
    const [row] = await this.db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM incident
        WHERE forgotten_at IS NULL AND status IN ('resolved', 'merged') AND coalesce(resolved_at, updated_at) < $1 AND updated_at < $2`,
      [before, quietSince],
    );
    return Number(row?.n ?? 0);
  }

  /**
   * One transaction per chunk: the data keys are destroyed; the snapshot (kept: hydration needs its
   * episode and chain tip, see below), the incident row and its children lose their free text and
   * tokens; delivered ticket events (which carry the title and requester tokens) are deleted.
   *
   * The snapshot cannot be deleted: incident ids derive from signature and episode, and the
   * journal's seq continues from it, so an actor rebuilt without it would reuse both. It keeps
   * everything but the title, the report vocabulary, the suggestions and the requester tokens
   * (replaced by placeholders, so counts stay right). A new event on the signature opens the next
   * episode as before; a reopen by hand brings back an incident without its words.
   */
  async forget(incidents: ClosedIncident[], now: Date): Promise<ForgetCounts> {
    const ids = incidents.map((i) => i.id);
    const signatures = incidents.map((i) => i.signature);
    return this.db.transaction(async (tx) => {
      const [keys] = await tx.query<Array<{ n: string }>>(
        `WITH gone AS (UPDATE journal_key SET wrapped = NULL, destroyed_at = $2 WHERE incident_id = ANY($1::uuid[]) AND destroyed_at IS NULL RETURNING 1)
         SELECT count(*) AS n FROM gone`,
        [ids, now],
      );
      const [snapshots] = await tx.query<Array<{ n: string }>>(
        `WITH scrubbed AS (
           UPDATE actor_snapshot SET state = jsonb_set(jsonb_set(jsonb_set(jsonb_set(state,
               '{incident,title}', to_jsonb($3::text)),
               '{incident,vocabulary}', '[]'::jsonb),
               '{incident,suggestions}', '[]'::jsonb),
               '{incident,tally,requesters}', (SELECT coalesce(jsonb_object_agg('forgotten-' || e.n, e.value), '{}'::jsonb)
                                                 FROM jsonb_each(coalesce(state->'incident'->'tally'->'requesters', '{}'::jsonb)) WITH ORDINALITY AS e(key, value, n)))
            WHERE signature = ANY($1::text[]) AND state->'incident'->>'id' = ANY($2::text[])
           RETURNING 1)
         SELECT count(*) AS n FROM scrubbed`,
        [signatures, ids, FORGOTTEN],
      );
      await tx.query(`UPDATE incident SET title = $2, suggestions = '[]'::jsonb, forgotten_at = $3 WHERE id = ANY($1::uuid[])`, [ids, FORGOTTEN, now]);
      await tx.query(`UPDATE incident_child SET requester_token = NULL WHERE incident_id = ANY($1::uuid[]) AND requester_token IS NOT NULL`, [ids]);
      // Ticket events still waiting for a destination stay (they are delivered, then go next time).
      const [outbox] = await tx.query<Array<{ n: string }>>(
        `WITH done AS (
           SELECT o.id FROM outbox o WHERE o.incident_id = ANY($1::uuid[])
              AND NOT EXISTS (SELECT 1 FROM outbox_delivery d WHERE d.incident_id = o.incident_id AND d.status = 'pending')
         ), deliveries AS (
           DELETE FROM outbox_delivery d USING done WHERE d.outbox_id = done.id
         ), events AS (
           DELETE FROM outbox o USING done WHERE o.id = done.id RETURNING 1
         )
         SELECT count(*) AS n FROM events`,
        [ids],
      );
      const [plaintext] = await tx.query<Array<{ n: string }>>(
        `SELECT count(*) AS n FROM journal j
          WHERE j.incident_id = ANY($1::uuid[]) AND NOT j.data ? $2
            AND EXISTS (SELECT 1 FROM jsonb_object_keys(j.data) k WHERE k <> ALL($3::text[]))`,
        [ids, SEALED, [...CLEAR_MEMBERS]],
      );
      return { keys: Number(keys?.n ?? 0), snapshots: Number(snapshots?.n ?? 0), outbox: Number(outbox?.n ?? 0), plaintextRows: Number(plaintext?.n ?? 0) };
    });
  }

  /** Dead letters (scrubbed bodies of refused input) received before `before`, with their replays: up to `limit` per call. */
  async pruneDeadLetters(before: Date, limit: number): Promise<number> {
    const [row] = await this.db.query<Array<{ n: string }>>(
      `WITH old AS (SELECT id FROM dead_letter WHERE received_at < $1 ORDER BY id LIMIT $2),
            replays AS (DELETE FROM dead_letter_replay r USING old WHERE r.dead_letter_id = old.id),
            gone AS (DELETE FROM dead_letter d USING old WHERE d.id = old.id RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      [before, limit],
    );
    return Number(row?.n ?? 0);
  }

  /** Records of questions put to the EHR directory before `before`: up to `limit` per call. */
  async pruneEnrichmentLookups(before: Date, limit: number): Promise<number> {
    const [row] = await this.db.query<Array<{ n: string }>>(
      `WITH gone AS (DELETE FROM enrichment_lookup WHERE id IN (SELECT id FROM enrichment_lookup WHERE at < $1 ORDER BY at, id LIMIT $2) RETURNING 1)
       SELECT count(*) AS n FROM gone`,
      [before, limit],
    );
    return Number(row?.n ?? 0);
  }

  async countOlder(before: Date): Promise<{ deadLetters: number; enrichmentLookups: number }> {
    const [row] = await this.db.query<Array<{ d: string; e: string }>>(
      `SELECT (SELECT count(*) FROM dead_letter WHERE received_at < $1) AS d, (SELECT count(*) FROM enrichment_lookup WHERE at < $1) AS e`,
      [before],
    );
    return { deadLetters: Number(row?.d ?? 0), enrichmentLookups: Number(row?.e ?? 0) };
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the blast radius, its live dashboard and the outcome metrics (all read from the
 * incident read models, never the journal), and the dashboard's sign-in sessions.
 */
export class BlastRadius1764600000000 implements MigrationInterface {
  name = 'BlastRadius1764600000000';

  async up(db: QueryRunner): Promise<void> {
    // The dashboard's change detection polls max(updated_at) twice a second: one index probe.
    await db.query(`CREATE INDEX incident_by_updated ON incident (updated_at)`);
    // "Now": only the incidents still being worked on, however many resolved ones have piled up.
    await db.query(`CREATE INDEX incident_active ON incident (opened_at) WHERE status IN ('open', 'acknowledged', 'flapping')`);
    // ?at=, ranges and outcomes select by when incidents opened and resolved.
    await db.query(`CREATE INDEX incident_by_opened ON incident (opened_at, resolved_at)`);
    // Ranges bucket children by when they were first seen.
    await db.query(`CREATE INDEX incident_child_by_first_seen ON incident_child (first_seen)`);
    // Reroutes are the ticket.updated outbox rows that carry previousQueue.
    await db.query(`CREATE INDEX outbox_reroutes ON outbox (created_at) WHERE type = 'ticket.updated' AND payload->'details' ? 'previousQueue'`);
    // A browser cannot send a bearer key when it navigates or opens an EventSource: a leadership key
    // is exchanged once for a session cookie, valid only on the dashboard's own routes. Only the
    // token's hash is kept; a revoked or expired key ends its sessions (checked on every request).
    await db.query(`
      CREATE TABLE dashboard_session (
        token_hash text PRIMARY KEY,
        key_id uuid NOT NULL REFERENCES api_key (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX dashboard_session_by_expiry ON dashboard_session (expires_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE dashboard_session`);
    await db.query(`DROP INDEX outbox_reroutes`);
    await db.query(`DROP INDEX incident_child_by_first_seen`);
    await db.query(`DROP INDEX incident_by_opened`);
    await db.query(`DROP INDEX incident_active`);
    await db.query(`DROP INDEX incident_by_updated`);
  }
}

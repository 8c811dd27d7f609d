import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys (only a hash is kept) and the access audit trail: append-only like the journal, one hash
 * chain over every row, so an edited, removed or reordered row is found by `audit verify`.
 */
export class AuthAudit1764400000000 implements MigrationInterface {
  name = 'AuthAudit1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE api_key (
        id uuid PRIMARY KEY,
        label text NOT NULL,
        role text NOT NULL CHECK (role IN ('ingest', 'agent', 'leadership', 'auditor', 'admin')),
        key_hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz
      )`);

    await db.query(`
      CREATE TABLE audit (
        id bigserial PRIMARY KEY,
        recorded_at timestamptz NOT NULL,
        actor text NOT NULL,
        actor_kind text NOT NULL,
        role text,
        action text NOT NULL,
        target text,
        rule_id text,
        outcome smallint NOT NULL CHECK (outcome IN (0, 4, 8, 12)),
        correlation_id text NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}',
        prev_hash text NOT NULL,
        row_hash text NOT NULL
      )`);
    await db.query(`CREATE INDEX audit_by_time ON audit (recorded_at, id)`);
    await db.query(`
      CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER audit_no_update_delete BEFORE UPDATE OR DELETE ON audit
      FOR EACH ROW EXECUTE FUNCTION audit_is_append_only()`);
    await db.query(`
      CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
      FOR EACH STATEMENT EXECUTE FUNCTION audit_is_append_only()`);

    // The audit API lists decisions (journal) and accesses (audit) in the order they were recorded.
    await db.query(`CREATE INDEX journal_by_recorded ON journal (recorded_at, signature, seq)`);

    // Defence in depth beside the triggers: nobody but the owner may rewrite the trails. The app's own
    // login role gets no such grants (README "Access control and audit", deploy/postgres-app-role.sql).
    await db.query(`REVOKE UPDATE, DELETE, TRUNCATE ON journal, audit FROM PUBLIC`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX journal_by_recorded`);
    await db.query(`DROP TABLE audit`);
    await db.query(`DROP FUNCTION audit_is_append_only`);
    await db.query(`DROP TABLE api_key`);
  }
}

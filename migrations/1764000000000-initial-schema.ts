import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE incident (
        id uuid PRIMARY KEY,
        signature text NOT NULL,
        status text NOT NULL CHECK (status IN ('open', 'resolved')),
        title text NOT NULL,
        severity text NOT NULL,
        system text NOT NULL,
        facilities text[] NOT NULL DEFAULT '{}',
        departments text[] NOT NULL DEFAULT '{}',
        first_seen timestamptz NOT NULL,
        last_seen timestamptz NOT NULL,
        opened_at timestamptz NOT NULL,
        resolved_at timestamptz,
        child_count integer NOT NULL,
        distinct_requesters integer NOT NULL,
        patient_impact boolean NOT NULL,
        correlation_id text NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX incident_by_status_recency ON incident (status, last_seen DESC, id)`);
    await db.query(`CREATE INDEX incident_by_recency ON incident (last_seen DESC, id)`);
    await db.query(`CREATE INDEX incident_by_signature ON incident (signature)`);

    await db.query(`
      CREATE TABLE incident_child (
        incident_id uuid NOT NULL REFERENCES incident (id),
        child_key text NOT NULL,
        id text NOT NULL,
        kind text NOT NULL,
        source_type text NOT NULL,
        source_system text NOT NULL,
        status text NOT NULL,
        severity text NOT NULL,
        first_seen timestamptz NOT NULL,
        changed_at timestamptz NOT NULL,
        repeats integer NOT NULL,
        requester_token text,
        facility text,
        department text,
        PRIMARY KEY (incident_id, child_key)
      )`);

    // The journal is the incident's story and the audit trail's backbone: append-only, per-signature
    // sequence, each row hash-chained to the one before it.
    await db.query(`
      CREATE TABLE journal (
        signature text NOT NULL,
        seq bigint NOT NULL,
        incident_id uuid NOT NULL,
        kind text NOT NULL,
        child_key text,
        at timestamptz NOT NULL,
        correlation_id text NOT NULL,
        data jsonb NOT NULL,
        prev_hash text NOT NULL,
        row_hash text NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (signature, seq)
      )`);
    await db.query(`CREATE INDEX journal_by_incident ON journal (incident_id, at)`);
    await db.query(`
      CREATE FUNCTION journal_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'journal is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER journal_no_update_delete BEFORE UPDATE OR DELETE ON journal
      FOR EACH ROW EXECUTE FUNCTION journal_is_append_only()`);
    await db.query(`
      CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
      FOR EACH STATEMENT EXECUTE FUNCTION journal_is_append_only()`);

    await db.query(`
      CREATE TABLE actor_snapshot (
        signature text PRIMARY KEY,
        seq bigint NOT NULL,
        last_hash text NOT NULL,
        version integer NOT NULL,
        state jsonb NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE actor_snapshot`);
    await db.query(`DROP TABLE journal`);
    await db.query(`DROP FUNCTION journal_is_append_only`);
    await db.query(`DROP TABLE incident_child`);
    await db.query(`DROP TABLE incident`);
  }
}

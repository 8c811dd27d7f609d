import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The correlation engine's lifecycle, rules and timers. */
export class CorrelationEngine1764200000000 implements MigrationInterface {
  name = 'CorrelationEngine1764200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE incident DROP CONSTRAINT incident_status_check`);
    await db.query(`ALTER TABLE incident ADD CONSTRAINT incident_status_check CHECK (status IN ('open', 'acknowledged', 'flapping', 'resolved', 'merged'))`);
    await db.query(`
      ALTER TABLE incident
        ADD COLUMN episode integer NOT NULL DEFAULT 1,
        ADD COLUMN origin text NOT NULL DEFAULT 'machine',
        ADD COLUMN priority text NOT NULL DEFAULT 'P4',
        ADD COLUMN priority_rule text,
        ADD COLUMN queue text,
        ADD COLUMN routing_rule text,
        ADD COLUMN parent_id uuid,
        ADD COLUMN merged_into uuid,
        ADD COLUMN suppressed_by text,
        ADD COLUMN acknowledged_by text,
        ADD COLUMN acknowledged_at timestamptz,
        ADD COLUMN suggestions jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN context jsonb`);
    await db.query(`CREATE INDEX incident_by_parent ON incident (parent_id) WHERE parent_id IS NOT NULL`);
    await db.query(`CREATE INDEX incident_by_queue ON incident (queue, status)`);
    await db.query(`ALTER TABLE incident_child ADD COLUMN attached_by text`);
    // Which rule (id@version) caused each decision: the journal explains itself.
    await db.query(`ALTER TABLE journal ADD COLUMN rule_id text, ADD COLUMN rule_version integer`);
    // Timers survive passivation and restarts: the poller finds due actors here.
    await db.query(`ALTER TABLE actor_snapshot ADD COLUMN next_due_at timestamptz`);
    await db.query(`CREATE INDEX actor_snapshot_due ON actor_snapshot (next_due_at) WHERE next_due_at IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX actor_snapshot_due`);
    await db.query(`ALTER TABLE actor_snapshot DROP COLUMN next_due_at`);
    await db.query(`ALTER TABLE journal DROP COLUMN rule_id, DROP COLUMN rule_version`);
    await db.query(`ALTER TABLE incident_child DROP COLUMN attached_by`);
    await db.query(`DROP INDEX incident_by_queue`);
    await db.query(`DROP INDEX incident_by_parent`);
    await db.query(`
      ALTER TABLE incident DROP COLUMN episode, DROP COLUMN origin, DROP COLUMN priority, DROP COLUMN priority_rule,
        DROP COLUMN queue, DROP COLUMN routing_rule, DROP COLUMN parent_id, DROP COLUMN merged_into, DROP COLUMN suppressed_by, DROP COLUMN acknowledged_by,
        DROP COLUMN acknowledged_at, DROP COLUMN suggestions, DROP COLUMN context`);
    await db.query(`ALTER TABLE incident DROP CONSTRAINT incident_status_check`);
    await db.query(`ALTER TABLE incident ADD CONSTRAINT incident_status_check CHECK (status IN ('open', 'resolved'))`);
  }
}

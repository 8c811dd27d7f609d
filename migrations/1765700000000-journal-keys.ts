import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Crypto-shredding for the journal (docs/architecture.md, "Retention"). The journal refuses UPDATE
 * and DELETE, so its free text cannot be erased in place: from here on it is sealed under a data
 * key of its incident, kept in this table OUTSIDE the chained rows, wrapped by a master key that is
 * not in the database. Destroying the key (wrapped = NULL) forgets the text; the sealed bytes stay
 * in the journal, so the hash chain still verifies.
 *
 * An incident can have several keys (a process that does not hold one in memory makes a new one
 * rather than wait for a read); purge destroys them all. `incident.forgotten_at` marks incidents
 * whose keys were destroyed and whose read models and snapshot were scrubbed, so that a second
 * purge skips them. It is not indexed: an index that names updated_at or last_seen would end the
 * HOT updates of incident rows (migration 1765000000000), and purge walks the table by id once a day.
 */
export class JournalKeys1765700000000 implements MigrationInterface {
  name = 'JournalKeys1765700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE journal_key (
        id uuid PRIMARY KEY,
        incident_id uuid NOT NULL,
        wrapped bytea,
        created_at timestamptz NOT NULL,
        destroyed_at timestamptz,
        CHECK ((wrapped IS NULL) = (destroyed_at IS NOT NULL))
      )`);
    await db.query(`CREATE INDEX journal_key_by_incident ON journal_key (incident_id)`);
    await db.query(`ALTER TABLE incident ADD COLUMN forgotten_at timestamptz`);
    await db.query(`CREATE INDEX dead_letter_by_received ON dead_letter (received_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX dead_letter_by_received`);
    await db.query(`ALTER TABLE incident DROP COLUMN forgotten_at`);
    await db.query(`DROP TABLE journal_key`);
  }
}

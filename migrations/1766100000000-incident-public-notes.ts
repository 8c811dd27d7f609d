import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What an agent tells clinicians about an incident on the known-issues page: a workaround or an
 * expected time. One per incident, replaced when the agent writes a new one; the audit trail keeps
 * who set which (the command is audited), this row only the current words.
 */
export class IncidentPublicNotes1766100000000 implements MigrationInterface {
  name = 'IncidentPublicNotes1766100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE incident_public_note (
        incident_id uuid PRIMARY KEY,
        note text NOT NULL,
        eta timestamptz,
        set_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The page lists active incidents by facility: their facilities array, searched by containment.
    await db.query(`CREATE INDEX IF NOT EXISTS incident_facilities_active ON incident USING gin (facilities) WHERE status IN ('open', 'acknowledged', 'flapping')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX IF EXISTS incident_facilities_active`);
    await db.query(`DROP TABLE incident_public_note`);
  }
}

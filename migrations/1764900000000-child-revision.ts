import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A child row keeps the incident revision of its last change, so that after hydration the actor
 * still knows which children the helpdesk has not been told of yet (updateInterval holds them back).
 * Rows from before are 0: told.
 */
export class ChildRevision1764900000000 implements MigrationInterface {
  name = 'ChildRevision1764900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE incident_child ADD COLUMN rev bigint NOT NULL DEFAULT 0`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE incident_child DROP COLUMN rev`);
  }
}

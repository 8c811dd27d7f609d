import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotent redelivery and smaller snapshots: transport receipts of committed messages, and the
 * child columns needed to rebuild an actor's children from rows instead of from every snapshot.
 */
export class RuntimeDurability1764250000000 implements MigrationInterface {
  name = 'RuntimeDurability1764250000000';

  async up(db: QueryRunner): Promise<void> {
    // One row per transport message whose effects committed: a redelivery after a lost ack is
    // recognised here and acked without effects. Pruned after the stream's own retention.
    await db.query(`CREATE TABLE processed_message (receipt text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
    await db.query(`CREATE INDEX processed_message_by_age ON processed_message (at)`);
    await db.query(`ALTER TABLE incident_child ADD COLUMN source_instance text, ADD COLUMN attached_score real`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE incident_child DROP COLUMN source_instance, DROP COLUMN attached_score`);
    await db.query(`DROP TABLE processed_message`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox relay finds due lanes (destination × incident) by walking the pending deliveries lane
 * by lane, one index lookup per lane, instead of reading the oldest pending rows: those can all
 * belong to a helpdesk that is down, and then nothing else was delivered (docs/architecture.md,
 * "Helpdesk: routing, outbox, relay").
 *
 * Only pending rows are indexed, so the index stays as small as the backlog. Building it reads the
 * whole table once and holds back writes to outbox_delivery meanwhile (CREATE INDEX cannot be
 * CONCURRENTLY inside the migration's transaction).
 */
export class OutboxLanes1765100000000 implements MigrationInterface {
  name = 'OutboxLanes1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX outbox_delivery_lane ON outbox_delivery (destination, incident_id, outbox_id) WHERE status = 'pending'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX outbox_delivery_lane`);
  }
}

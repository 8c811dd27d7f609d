import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dead delivery now blocks its lane (destination × incident) until an operator retries or skips
 * it: the relay walked pending rows only, so the next event of the incident went out past the dead
 * one (`ticket.resolved` before `ticket.opened`). The lane index therefore holds dead rows too, and
 * a skipped head gets a status of its own.
 */
export class BlockedLanes1765500000001 implements MigrationInterface {
  name = 'BlockedLanes1765500000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE outbox_delivery DROP CONSTRAINT IF EXISTS outbox_delivery_status_check`);
    await db.query(`ALTER TABLE outbox_delivery ADD CONSTRAINT outbox_delivery_status_check CHECK (status IN ('pending', 'sent', 'superseded', 'dead', 'skipped'))`);
    await db.query(`DROP INDEX outbox_delivery_lane`);
    await db.query(`CREATE INDEX outbox_delivery_lane ON outbox_delivery (destination, incident_id, outbox_id) WHERE status IN ('pending', 'dead')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX outbox_delivery_lane`);
    await db.query(`CREATE INDEX outbox_delivery_lane ON outbox_delivery (destination, incident_id, outbox_id) WHERE status = 'pending'`);
    await db.query(`UPDATE outbox_delivery SET status = 'dead' WHERE status = 'skipped'`);
    await db.query(`ALTER TABLE outbox_delivery DROP CONSTRAINT outbox_delivery_status_check`);
    await db.query(`ALTER TABLE outbox_delivery ADD CONSTRAINT outbox_delivery_status_check CHECK (status IN ('pending', 'sent', 'superseded', 'dead'))`);
  }
}

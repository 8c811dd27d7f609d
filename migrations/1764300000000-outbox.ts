import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ticket events for the helpdesk, written in the same transaction as the decision that caused
 * them; one delivery row per destination (NATS, each webhook) carries its own retry state.
 */
export class Outbox1764300000000 implements MigrationInterface {
  name = 'Outbox1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        event_key text NOT NULL UNIQUE,
        incident_id uuid NOT NULL,
        queue text NOT NULL,
        type text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX outbox_by_incident ON outbox (incident_id, id)`);
    await db.query(`
      CREATE TABLE outbox_delivery (
        outbox_id bigint NOT NULL REFERENCES outbox (id),
        destination text NOT NULL,
        incident_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'superseded', 'dead')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        sent_at timestamptz,
        PRIMARY KEY (outbox_id, destination)
      )`);
    await db.query(`CREATE INDEX outbox_delivery_pending ON outbox_delivery (outbox_id) WHERE status = 'pending'`);
    await db.query(`CREATE INDEX outbox_delivery_dead ON outbox_delivery (destination, outbox_id) WHERE status = 'dead'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE outbox_delivery`);
    await db.query(`DROP TABLE outbox`);
  }
}

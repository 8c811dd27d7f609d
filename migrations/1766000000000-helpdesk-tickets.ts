import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The helpdesk's own ticket for an incident, per helpdesk destination: its id (RT's ticket number)
 * and where an agent opens it. Written once, when the connector created the ticket, and read for
 * every later update, so an update is a comment on that ticket and never a second create.
 */
export class HelpdeskTickets1766000000000 implements MigrationInterface {
  name = 'HelpdeskTickets1766000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE helpdesk_ticket (
        destination text NOT NULL,
        incident_id uuid NOT NULL,
        external_id text NOT NULL,
        url text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (destination, incident_id)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE helpdesk_ticket`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dead letters kept where they can be listed and replayed whichever bus carried them (the
 * in-process bus keeps nothing across a restart). Bodies are scrubbed before they get here.
 * Every replay is a row of its own: reviewing dead letters is reviewing defects.
 */
export class DeadLetters1764100000000 implements MigrationInterface {
  name = 'DeadLetters1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE dead_letter (
        id bigserial PRIMARY KEY,
        reason text NOT NULL,
        source text NOT NULL,
        subject text NOT NULL,
        detail text NOT NULL,
        body text NOT NULL,
        received_at timestamptz NOT NULL,
        replayed_at timestamptz,
        replay_outcome text
      )`);
    await db.query(`CREATE INDEX dead_letter_by_reason ON dead_letter (reason, id DESC)`);
    await db.query(`
      CREATE TABLE dead_letter_replay (
        id bigserial PRIMARY KEY,
        dead_letter_id bigint NOT NULL REFERENCES dead_letter (id),
        at timestamptz NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('accepted', 'rejected', 'failed')),
        detail text NOT NULL,
        by text NOT NULL
      )`);
    await db.query(`CREATE INDEX dead_letter_replay_by_letter ON dead_letter_replay (dead_letter_id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE dead_letter_replay`);
    await db.query(`DROP TABLE dead_letter`);
  }
}

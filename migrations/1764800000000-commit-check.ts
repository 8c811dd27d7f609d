import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A batch commits as one SQL statement (PgActorStore.commit). The checks that used to sit between
 * its statements — every receipt new, every lease still held — are now conditions inside it, and
 * this function turns a failed one into an error that rolls the whole statement back. The error
 * code is corral's own ('CR001') so the runtime can tell it from any other failure.
 */
export class CommitCheck1764800000000 implements MigrationInterface {
  name = 'CommitCheck1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION corral_require(ok boolean, message text) RETURNS boolean
      LANGUAGE plpgsql AS $$
      BEGIN
        IF NOT ok THEN
          RAISE EXCEPTION USING ERRCODE = 'CR001', MESSAGE = message;
        END IF;
        RETURN true;
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION corral_require(boolean, text)`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Instances remember which API keys are valid instead of reading `api_key` at every request
 * (ApiKeyCache). Any change to that table — a revocation by `corral keys revoke` in another
 * process, an expiry moved, a row deleted by hand — notifies `corral_api_key` when it commits, and
 * every instance listening forgets what it remembered.
 */
export class ApiKeyNotify1764810000000 implements MigrationInterface {
  name = 'ApiKeyNotify1764810000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION corral_api_key_changed() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('corral_api_key', TG_OP);
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER api_key_changed AFTER UPDATE OR DELETE OR TRUNCATE ON api_key
      FOR EACH STATEMENT EXECUTE FUNCTION corral_api_key_changed()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER api_key_changed ON api_key`);
    await db.query(`DROP FUNCTION corral_api_key_changed()`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Instances now also remember, for a few seconds, that a presented key does NOT exist (ApiKeyCache:
 * a flood of made-up keys would otherwise cost a database lookup each). A key created meanwhile —
 * by `corral keys create` in another process — must work at once, so creating a key notifies
 * `corral_api_key` too, and every instance forgets what it remembered.
 */
export class ApiKeyNotifyInsert1765500000000 implements MigrationInterface {
  name = 'ApiKeyNotifyInsert1765500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER api_key_changed ON api_key`);
    await db.query(`
      CREATE TRIGGER api_key_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_key
      FOR EACH STATEMENT EXECUTE FUNCTION corral_api_key_changed()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER api_key_changed ON api_key`);
    await db.query(`
      CREATE TRIGGER api_key_changed AFTER UPDATE OR DELETE OR TRUNCATE ON api_key
      FOR EACH STATEMENT EXECUTE FUNCTION corral_api_key_changed()`);
  }
}

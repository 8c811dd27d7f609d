import { createDataSource, MIGRATIONS } from '../src/modules/database/data-source.js';
import { migrateUnderLock } from '../src/modules/database/migration-lock.js';
import { createTestDatabase, withClient, type TestDatabase } from './support/harness.js';

/**
 * `docker compose up --scale corral=3` on a fresh database: three instances migrate at the same
 * moment. Exactly one applies the migrations; the others wait for it and then start on the finished
 * schema, none failing on a table another one created.
 */
describe('migrations under an advisory lock', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('applies every migration once when three instances migrate a fresh database together', async () => {
    const instances = [1, 2, 3].map(() => createDataSource(db.url, { poolSize: 2 }));
    await Promise.all(instances.map((dataSource) => dataSource.initialize()));
    try {
      const outcomes = await Promise.allSettled(instances.map((dataSource) => migrateUnderLock(dataSource)));

      expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? String(outcome.reason) : 'ok'))).toEqual(['ok', 'ok', 'ok']);
      const applied = outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value.length : -1)).sort();
      // One instance applied them all; the two that waited found nothing left.
      expect(applied).toEqual([0, 0, MIGRATIONS.length]);

      const rows = await withClient(db.url, (client) => client.query<{ name: string; n: number }>('SELECT name, count(*)::int AS n FROM migrations GROUP BY name'));
      expect(rows.rows).toHaveLength(MIGRATIONS.length);
      expect(rows.rows.every((row) => row.n === 1)).toBe(true);

      // The lock is given back: a later start (or `corral migrate`) does not wait forever.
      const held = await withClient(db.url, (client) => client.query("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"));
      expect(held.rowCount).toBe(0);
      await expect(migrateUnderLock(instances[0])).resolves.toEqual([]);
    } finally {
      await Promise.all(instances.map((dataSource) => dataSource.destroy()));
    }
  });
});

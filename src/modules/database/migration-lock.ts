import type { DataSource, Migration } from 'typeorm';

/** pg_advisory_lock key of the migrations: "migr". */
const MIGRATION_LOCK = 0x6d696772;

/**
 * Applies the pending migrations while holding a session advisory lock, so that instances starting
 * together against a fresh database (`docker compose up --scale corral=3`) migrate once: the first
 * migrates, the others wait for the lock and then find nothing left to apply. TypeORM takes no lock
 * of its own; without one they raced to create the migrations table and the schema, and all but one
 * crashed on "already exists".
 *
 * The lock is held on a connection of its own, outside the migrations' transactions (each migration
 * commits alone), and PostgreSQL drops it if this process dies holding it.
 */
export async function migrateUnderLock(dataSource: DataSource): Promise<Migration[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await lock.release();
  }
}

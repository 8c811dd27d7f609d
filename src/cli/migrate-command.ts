import { loadConfig } from '../modules/config/corral-config.js';
import { migrateUnderLock } from '../modules/database/migration-lock.js';
import { openDatabase } from './open-database.js';

/** `npm run migration:run` / `npm run corral -- migrate`: applies pending migrations (corral also does this at start-up). */
export async function run(): Promise<number> {
  // A ConfigError reaches the operator as it is, through corral.ts.
  const config = loadConfig();
  console.log(config.databaseUrl ? 'migrating the database at DATABASE_URL' : `migrating the embedded database in ${config.dataDir}/pg`);
  const db = await openDatabase(config);
  try {
    const applied = await migrateUnderLock(db.dataSource);
    console.log(applied.length === 0 ? 'schema is up to date' : `applied: ${applied.map((m) => m.name).join(', ')}`);
  } catch (error) {
    console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await db.close();
  }
  return 0;
}

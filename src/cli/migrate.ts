import { ConfigError, loadConfig } from '../modules/config/corral-config.js';
import { openDatabase } from './open-database.js';

/** `npm run migration:run`: applies pending migrations (corral also does this at start-up). */
async function main(): Promise<void> {
  const config = loadConfig();
  console.log(config.databaseUrl ? 'migrating the database at DATABASE_URL' : `migrating the embedded database in ${config.dataDir}/pg`);
  const db = await openDatabase(config);
  try {
    const applied = await db.dataSource.runMigrations({ transaction: 'each' });
    console.log(applied.length === 0 ? 'schema is up to date' : `applied: ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

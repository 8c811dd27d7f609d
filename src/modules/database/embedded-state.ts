import { linkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, readText, startTimeOf } from './local-processes.js';

/**
 * What corral keeps beside the embedded cluster (CORRAL_DATA_DIR/pg), so that every corral process
 * on one data directory — the server, a CLI command in a second terminal, the next start after a
 * crash — agrees on who runs the cluster and where it listens.
 */

/** Who holds the embedded cluster: a corral server, or a CLI command that started it for itself. */
export type EmbeddedRole = 'server' | 'command';

export interface Owner {
  pid: number;
  role: EmbeddedRole;
  startTime: string | undefined;
}

/** Lines: pid, role, start time. Created exclusively: it is the lock on the cluster. */
const OWNER_FILE = 'embedded-pg.owner';
/** The running server's connection URL (mode 0600), present only while a corral server runs it. */
export const URL_FILE = 'database.url';
/** The port the cluster last listened on, tried first next time. */
const PORT_FILE = 'embedded-pg.port';

/** Takes the lock; false when another live process holds it (a stale lock is removed first). */
export function tryClaim(dataDir: string, role: EmbeddedRole): boolean {
  const file = join(dataDir, OWNER_FILE);
  const holder = readOwner(dataDir);
  if (!holder || !isRunning(holder)) rmSync(file, { force: true });
  // Written whole under another name, then linked: link fails if the lock exists, and a reader
  // never sees a half-written lock (which it would take for a stale one).
  const draft = `${file}.${process.pid}`;
  writeFileSync(draft, `${process.pid}\n${role}\n${startTimeOf(process.pid) ?? ''}\n`, { mode: 0o600 });
  try {
    linkSync(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(draft, { force: true });
  }
}

/** Gives the lock (and the URL published under it) back, if this process holds it. */
export function release(dataDir: string): void {
  if (readOwner(dataDir)?.pid !== process.pid) return;
  rmSync(join(dataDir, URL_FILE), { force: true });
  rmSync(join(dataDir, OWNER_FILE), { force: true });
}

/** The live process holding the cluster, if any. */
export function liveOwner(dataDir: string): Owner | undefined {
  const owner = readOwner(dataDir);
  return owner && isRunning(owner) ? owner : undefined;
}

function readOwner(dataDir: string): Owner | undefined {
  const [pid, role, startTime] = readText(join(dataDir, OWNER_FILE))?.split('\n') ?? [];
  const parsed = Number(pid);
  if (!Number.isInteger(parsed) || parsed <= 0) return undefined;
  // Files from before the role was written were written by servers.
  return { pid: parsed, role: role === 'command' ? 'command' : 'server', startTime: startTime || undefined };
}

function isRunning(owner: Owner): boolean {
  if (!isAlive(owner.pid)) return false;
  const now = startTimeOf(owner.pid);
  return owner.startTime === undefined || now === undefined || now === owner.startTime;
}

/** Taken back first when the server stops, so no command connects to a server going away. */
export function withdrawUrl(dataDir: string): void {
  if (readOwner(dataDir)?.pid === process.pid) rmSync(join(dataDir, URL_FILE), { force: true });
}

export function writeUrl(dataDir: string, url: string): void {
  const file = join(dataDir, URL_FILE);
  rmSync(file, { force: true });
  writeFileSync(file, `${url}\n`, { mode: 0o600 });
}

export function readUrl(dataDir: string): string | undefined {
  return readText(join(dataDir, URL_FILE))?.trim() || undefined;
}

export function rememberedPort(dataDir: string): number | undefined {
  const port = Number(readText(join(dataDir, PORT_FILE))?.trim());
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : undefined;
}

export function rememberPort(dataDir: string, port: number): void {
  writeFileSync(join(dataDir, PORT_FILE), `${port}\n`);
}

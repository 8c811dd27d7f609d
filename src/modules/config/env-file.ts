import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/** What was read from an env file, for the start-up log: the file and how many variables it set, never their values. */
export interface EnvFileReport {
  file: string;
  applied: number;
  /** Variables the file also set but the environment already had: the environment won. */
  overridden: number;
}

/**
 * Reads `.env` from the working directory, or the file CORRAL_ENV_FILE names, into `env` — only
 * variables the environment does not set already, so the environment always wins (as with dotenv
 * and @nestjs/config). Node's own parser (`util.parseEnv`, the one behind `node --env-file` and
 * `process.loadEnvFile`) reads it: no dependency, and the same syntax Node documents. Not
 * `process.loadEnvFile` itself, which writes only to process.env and cannot say what it skipped.
 * A missing `.env` is fine; a missing CORRAL_ENV_FILE is an error, since someone asked for it.
 */
export function applyEnvFile(env: NodeJS.ProcessEnv, cwd = process.cwd()): EnvFileReport | { missing: string } | undefined {
  const named = env.CORRAL_ENV_FILE;
  const file = resolve(cwd, named ?? '.env');
  if (!existsSync(file)) return named === undefined ? undefined : { missing: file };
  const values = parseEnv(readFileSync(file, 'utf8'));
  let applied = 0;
  let overridden = 0;
  for (const [name, value] of Object.entries(values)) {
    if (env[name] !== undefined) {
      overridden += 1;
      continue;
    }
    env[name] = value;
    applied += 1;
  }
  return { file, applied, overridden };
}

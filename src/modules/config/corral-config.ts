import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { EnvDto } from './env.dto.js';

/** Everything corral is configured with, validated once at boot. */
export class CorralConfig {
  constructor(
    readonly databaseUrl: string | undefined,
    readonly natsUrl: string | undefined,
    readonly natsNamespace: string | undefined,
    readonly port: number,
    readonly host: string,
    readonly tokenKey: string,
    readonly dataDir: string,
    readonly embeddedPgPort: number,
    readonly batch: { maxSize: number; maxDelayMs: number },
    readonly nats: { ackWaitMs: number; retryDelayMs: number },
    readonly httpBodyLimit: string,
    readonly logLevel: string,
    /** Directory of rule files; undefined means the rules shipped in config/rules. */
    readonly rulesDir: string | undefined,
    readonly actors: { maxLive: number; idleMs: number; timerPollMs: number },
    readonly helpdesk: { file: string | undefined; publicUrl: string; relayPollMs: number },
  ) {}
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`corral cannot start: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CorralConfig {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const dto = plainToInstance(EnvDto, set, { exposeDefaultValues: true });
  const errors = validateSync(dto, { whitelist: false });
  if (errors.length > 0) throw new ConfigError(errors.map((error) => describe(error, env)));

  const dataDir = isAbsolute(dto.CORRAL_DATA_DIR) ? dto.CORRAL_DATA_DIR : resolve(dto.CORRAL_DATA_DIR);
  return new CorralConfig(
    dto.DATABASE_URL,
    dto.NATS_URL,
    dto.NATS_NAMESPACE,
    dto.PORT,
    dto.HOST,
    dto.CORRAL_TOKEN_KEY ?? localTokenKey(dataDir),
    dataDir,
    dto.EMBEDDED_PG_PORT,
    { maxSize: dto.BATCH_MAX_SIZE, maxDelayMs: dto.BATCH_MAX_DELAY_MS },
    { ackWaitMs: dto.NATS_ACK_WAIT_MS, retryDelayMs: dto.NATS_RETRY_DELAY_MS },
    dto.HTTP_BODY_LIMIT,
    dto.LOG_LEVEL,
    dto.CORRAL_RULES_DIR,
    { maxLive: dto.MAX_LIVE_ACTORS, idleMs: dto.ACTOR_IDLE_MS, timerPollMs: dto.TIMER_POLL_MS },
    { file: dto.CORRAL_HELPDESK_FILE, publicUrl: dto.CORRAL_PUBLIC_URL ?? `http://localhost:${dto.PORT}`, relayPollMs: dto.RELAY_POLL_MS },
  );
}

function describe(error: ValidationError, env: NodeJS.ProcessEnv): string {
  const reasons = Object.values(error.constraints ?? {}).join('; ');
  const given = env[error.property];
  // Never echo secrets or credentials back into a log.
  const echo = /KEY|URL/.test(error.property) || given === undefined ? '' : ` (got "${given}")`;
  return `${error.property}: ${reasons}${echo}`;
}

/**
 * Without CORRAL_TOKEN_KEY a single-machine install still needs a stable key, or requester tokens
 * would change at every restart and reports would stop matching. Keep one beside the data.
 */
function localTokenKey(dataDir: string): string {
  const file = join(dataDir, 'token.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

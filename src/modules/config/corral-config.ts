import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { ChainKeys } from '../../actors/chain-keys.js';
import type { ClusterConfig } from '../cluster/cluster-config.js';
import { ChannelsConfigError, loadChannelsConfig, NO_CHANNELS, type ChannelsConfig } from '../channels/channels-config.js';
import { HelpdeskConfigError, loadHelpdeskConfig, type HelpdeskConfig } from '../helpdesk/helpdesk-config.js';
import { applyEnvFile, type EnvFileReport } from './env-file.js';
import { EnvDto, EXAMPLES, SECRET_VARIABLE } from './env.dto.js';

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
    /** EMBEDDED_PG_PORT if set; undefined lets the embedded database choose (54329 or a free one). */
    readonly embeddedPgPort: number | undefined,
    readonly batch: { maxSize: number; maxDelayMs: number; maxQueued: number },
    readonly nats: { ackWaitMs: number; retryDelayMs: number; maxDeliver: number },
    readonly httpBodyLimit: string,
    readonly logLevel: string,
    /** Directory of rule files; undefined means the rules shipped in config/rules. */
    readonly rulesDir: string | undefined,
    readonly actors: { maxLive: number; idleMs: number; timerPollMs: number },
    /** settings: the helpdesk file, read and checked with the rest of the configuration. */
    readonly helpdesk: { file: string | undefined; publicUrl: string; relayPollMs: number; settings: HelpdeskConfig },
    readonly auth: AuthConfig = DEFAULT_AUTH,
    readonly natsAuth: NatsAuthConfig = {},
    /** FHIR directory enrichment; undefined (no FHIR_BASE_URL) turns it off. */
    readonly enrichment: EnrichmentSettings | undefined = undefined,
    /** Crypto-shredding of the journal's free text (README "Retention"). */
    readonly journal: JournalSettings = { keySecret: tokenKey, retentionDays: 400 },
    /** How long a stop may take before corral exits anyway, saying what it left (main.ts). */
    readonly shutdownTimeoutMs = 25_000,
    /** loadConfig always sets it; the default (a key of this process alone) only types a config built by hand. */
    readonly chain: ChainSettings = { keys: new ChainKeys([randomBytes(32).toString('hex')]), checkpointFile: '', checkpointMs: 60000 },
    readonly cluster: ClusterConfig = { enabled: false, partitions: 64, leaseMs: 10_000, instanceId: `${hostname()}-${process.pid}`, ackWaitMs: 10_000, indexRefreshMs: 250, forwardPollMs: 50 },
    /** The `.env` (or CORRAL_ENV_FILE) read at start, if any: said in the start-up log. */
    readonly envFile: EnvFileReport | undefined = undefined,
    readonly inbox: InboxSettings = DEFAULT_INBOX,
    /** A candidate rule set run in shadow beside the live one (CORRAL_SHADOW_RULES_DIR); undefined: none. */
    readonly shadowRulesDir: string | undefined = undefined,
    /** The channels file (CORRAL_CHANNELS_FILE), read and checked with the rest; none configured without it. */
    readonly channels: ChannelsConfig = NO_CHANNELS,
  ) {}
}

/** Log-first intake (README "Intake: 202 means durable"). */
export interface InboxSettings {
  /** Uncorrelated events beyond which intake refuses (503, Retry-After) and NATS stops pulling. */
  maxPending: number;
  /** Age of the oldest uncorrelated event beyond which intake refuses likewise. */
  maxLagMs: number;
  /** Correlated rows older than this are pruned. */
  retentionMs: number;
  /** The longest an ingest request may wait for correlation (`?wait=correlated`). */
  waitMaxMs: number;
  /**
   * INTAKE_WORKERS: threads that parse and normalize large ingest bodies (ingest/intake-pool);
   * 0 does it all on the main thread. A configuration built by hand (tests) has none.
   */
  intakeWorkers: number;
}

export const DEFAULT_INBOX: InboxSettings = { maxPending: 250_000, maxLagMs: 300_000, retentionMs: 8 * 86_400_000, waitMaxMs: 30_000, intakeWorkers: 0 };

export interface JournalSettings {
  /** Wraps the per-incident data keys: CORRAL_JOURNAL_KEY, else CORRAL_TOKEN_KEY (a key is derived from it). */
  keySecret: string;
  /** JOURNAL_RETENTION_DAYS: free text of incidents closed longer ago is forgotten; 0 keeps it forever. */
  retentionDays: number;
}

/** How the journal and audit chains are keyed and checkpointed (README "Audit trail"). */
export interface ChainSettings {
  keys: ChainKeys;
  /** Signed checkpoints (head hashes and row counts) are appended here, outside the database. */
  checkpointFile: string;
  checkpointMs: number;
}

/** OIDC bearer tokens are optional; API keys always work. */
export interface JwtConfig {
  jwksUrl: string;
  issuer: string | undefined;
  audience: string;
  roleClaim: string;
}

export interface AuthConfig {
  jwt: JwtConfig | undefined;
  /** Leadership sees counts below this as "<N>". */
  smallCountThreshold: number;
  rateLimitPerMinute: number;
  /** Refused requests (401, 403) per client address per minute; past it the address gets 429 before authentication (client-address-limit.ts). */
  refusalsPerAddressPerMinute: number;
  /** Empty: CORS stays off (no Access-Control-* headers at all). */
  corsOrigins: string[];
  /** Express' `trust proxy` (hops, or addresses and subnets); undefined trusts no proxy. */
  trustProxy?: number | string;
}

const DEFAULT_AUTH: AuthConfig = { jwt: undefined, smallCountThreshold: 5, rateLimitPerMinute: 6000, refusalsPerAddressPerMinute: 300, corsOrigins: [] };

/** How corral proves itself to NATS: at most one of creds file, NKEY seed, user/password, token; TLS independent. */
export interface NatsAuthConfig {
  credsFile?: string;
  nkeySeedFile?: string;
  user?: string;
  password?: string;
  token?: string;
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    const count = problems.length === 1 ? 'a configuration problem' : `${problems.length} configuration problems`;
    super(`corral cannot start: ${count}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** "NAME: what is wrong, e.g. NAME=good" — the one shape every configuration problem takes. */
const problem = (name: keyof EnvDto | 'CORRAL_ENV_FILE', reason: string): string =>
  `${name}: ${reason}, e.g. ${name}=${name === 'CORRAL_ENV_FILE' ? '/etc/corral/corral.env' : EXAMPLES[name]}`;

/**
 * Reads and validates the environment; throws one ConfigError listing every problem at once, one
 * line per variable. Called without an environment (the real start, the CLI), it reads `.env`
 * first (env-file.ts); tests and tools that pass their own get exactly what they pass.
 */
export function loadConfig(given?: NodeJS.ProcessEnv): CorralConfig {
  const env = given ?? process.env;
  const envFile = given === undefined ? applyEnvFile(process.env) : undefined;
  const problems: string[] = [];
  if (envFile && 'missing' in envFile) problems.push(problem('CORRAL_ENV_FILE', `no such file ${envFile.missing}`));

  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const dto = plainToInstance(EnvDto, set, { exposeDefaultValues: true });
  problems.push(...validateSync(dto, { whitelist: false, stopAtFirstError: true }).map((error) => describe(error, env)));
  problems.push(...crossCheck(dto));

  const dataDir = isAbsolute(dto.CORRAL_DATA_DIR) ? dto.CORRAL_DATA_DIR : resolve(dto.CORRAL_DATA_DIR);
  const publicUrl = dto.CORRAL_PUBLIC_URL ?? `http://localhost:${dto.PORT}`;
  let helpdesk: HelpdeskConfig | undefined;
  try {
    helpdesk = loadHelpdeskConfig(dto.CORRAL_HELPDESK_FILE, publicUrl, env);
  } catch (error) {
    if (!(error instanceof HelpdeskConfigError)) throw error;
    problems.push(...error.problems.map((p) => `CORRAL_HELPDESK_FILE: ${p}`));
  }
  let channels: ChannelsConfig = NO_CHANNELS;
  try {
    channels = loadChannelsConfig(dto.CORRAL_CHANNELS_FILE, env);
  } catch (error) {
    if (!(error instanceof ChannelsConfigError)) throw error;
    problems.push(...error.problems.map((p) => `CORRAL_CHANNELS_FILE: ${p}`));
  }
  const chainKeyFile = dto.CORRAL_CHAIN_KEY ? undefined : readChainKeyFile(dataDir);
  if (typeof chainKeyFile === 'string') problems.push(chainKeyFile);
  if (problems.length > 0 || helpdesk === undefined) throw new ConfigError(problems);

  // Only a valid configuration leaves anything on disk (a generated key).
  const tokenKey = dto.CORRAL_TOKEN_KEY ?? localTokenKey(dataDir);
  return new CorralConfig(
    dto.DATABASE_URL,
    dto.NATS_URL,
    dto.NATS_NAMESPACE,
    dto.PORT,
    dto.HOST,
    tokenKey,
    dataDir,
    dto.EMBEDDED_PG_PORT,
    { maxSize: dto.BATCH_MAX_SIZE, maxDelayMs: dto.BATCH_MAX_DELAY_MS, maxQueued: dto.BATCH_MAX_QUEUED },
    { ackWaitMs: dto.NATS_ACK_WAIT_MS, retryDelayMs: dto.NATS_RETRY_DELAY_MS, maxDeliver: dto.NATS_MAX_DELIVER },
    dto.HTTP_BODY_LIMIT,
    dto.LOG_LEVEL,
    dto.CORRAL_RULES_DIR,
    { maxLive: dto.MAX_LIVE_ACTORS, idleMs: dto.ACTOR_IDLE_MS, timerPollMs: dto.TIMER_POLL_MS },
    { file: dto.CORRAL_HELPDESK_FILE, publicUrl, relayPollMs: dto.RELAY_POLL_MS, settings: helpdesk },
    {
      jwt: dto.CORRAL_JWT_JWKS_URL
        ? { jwksUrl: dto.CORRAL_JWT_JWKS_URL, issuer: dto.CORRAL_JWT_ISSUER, audience: dto.CORRAL_JWT_AUDIENCE as string, roleClaim: dto.CORRAL_JWT_ROLE_CLAIM }
        : undefined,
      smallCountThreshold: dto.CORRAL_SMALL_COUNT_THRESHOLD,
      rateLimitPerMinute: dto.CORRAL_RATE_LIMIT_PER_MINUTE,
      refusalsPerAddressPerMinute: dto.CORRAL_REFUSALS_PER_ADDRESS_PER_MINUTE,
      corsOrigins: dto.CORRAL_CORS_ORIGINS?.split(',') ?? [],
      ...(dto.CORRAL_TRUST_PROXY === undefined ? {} : { trustProxy: /^\d+$/.test(dto.CORRAL_TRUST_PROXY) ? Number(dto.CORRAL_TRUST_PROXY) : dto.CORRAL_TRUST_PROXY }),
    },
    natsAuthOf(dto),
    enrichmentFrom(dto),
    { keySecret: dto.CORRAL_JOURNAL_KEY ?? tokenKey, retentionDays: dto.JOURNAL_RETENTION_DAYS },
    dto.SHUTDOWN_TIMEOUT_MS,
    {
      keys: new ChainKeys(dto.CORRAL_CHAIN_KEY ? [dto.CORRAL_CHAIN_KEY, ...(dto.CORRAL_CHAIN_RETIRED_KEYS?.split(',') ?? [])] : Array.isArray(chainKeyFile) ? chainKeyFile : newChainKeyFile(dataDir)),
      checkpointFile: dto.CORRAL_CHAIN_CHECKPOINT_FILE ?? join(dataDir, 'chain-checkpoints.jsonl'),
      checkpointMs: dto.CORRAL_CHAIN_CHECKPOINT_MS,
    },
    clusterOf(dto),
    envFile && !('missing' in envFile) ? envFile : undefined,
    {
      maxPending: dto.INBOX_MAX_PENDING,
      maxLagMs: dto.INBOX_MAX_LAG_MS,
      retentionMs: dto.INBOX_RETENTION_MS,
      waitMaxMs: dto.INGEST_WAIT_MAX_MS,
      // One per core by default: the main thread keeps HTTP, the appends and correlation, and the
      // workers take the parsing and normalizing that saturated it (README "Intake").
      intakeWorkers: dto.INTAKE_WORKERS ?? availableParallelism(),
    },
    dto.CORRAL_SHADOW_RULES_DIR,
    channels,
  );
}

/**
 * Rules that span variables, reported in the same list as the rest. A JWKS without an audience
 * would accept tokens minted for any other application.
 */
function crossCheck(dto: EnvDto): string[] {
  const problems: string[] = [];
  if (dto.CORRAL_JWT_JWKS_URL && !dto.CORRAL_JWT_AUDIENCE) problems.push(problem('CORRAL_JWT_AUDIENCE', 'must be set when CORRAL_JWT_JWKS_URL is (tokens for other applications must be refused)'));
  const methods = [dto.NATS_CREDS_FILE, dto.NATS_NKEY_SEED_FILE, dto.NATS_USER ?? dto.NATS_PASSWORD, dto.NATS_TOKEN].filter((v) => v !== undefined);
  if (methods.length > 1) problems.push('NATS_CREDS_FILE, NATS_NKEY_SEED_FILE, NATS_USER/NATS_PASSWORD, NATS_TOKEN: set at most one way to authenticate to NATS, e.g. only NATS_CREDS_FILE=/run/secrets/corral.creds');
  if (Boolean(dto.NATS_USER) !== Boolean(dto.NATS_PASSWORD)) problems.push(`NATS_USER, NATS_PASSWORD: set both or neither, e.g. NATS_USER=corral NATS_PASSWORD=${EXAMPLES.NATS_PASSWORD}`);
  if (Boolean(dto.NATS_TLS_CERT_FILE) !== Boolean(dto.NATS_TLS_KEY_FILE)) problems.push(`NATS_TLS_CERT_FILE, NATS_TLS_KEY_FILE: a client certificate needs its key, and the other way round, e.g. NATS_TLS_CERT_FILE=${EXAMPLES.NATS_TLS_CERT_FILE} NATS_TLS_KEY_FILE=${EXAMPLES.NATS_TLS_KEY_FILE}`);
  for (const name of ['NATS_CREDS_FILE', 'NATS_NKEY_SEED_FILE', 'NATS_TLS_CA_FILE', 'NATS_TLS_CERT_FILE', 'NATS_TLS_KEY_FILE'] as const) {
    const file = dto[name];
    if (file !== undefined && !existsSync(file)) problems.push(problem(name, `no such file ${file}`));
  }
  if (dto.FHIR_BASE_URL) {
    const smart = [dto.FHIR_CLIENT_ID, dto.FHIR_TOKEN_URL, dto.FHIR_PRIVATE_KEY_FILE];
    if (dto.FHIR_TOKEN && smart.some(Boolean)) problems.push('FHIR_TOKEN: set either FHIR_TOKEN or FHIR_CLIENT_ID/FHIR_TOKEN_URL/FHIR_PRIVATE_KEY_FILE, not both, e.g. only FHIR_TOKEN=<a bearer token>');
    else if (smart.some(Boolean) && !smart.every(Boolean))
      problems.push(`FHIR_CLIENT_ID, FHIR_TOKEN_URL, FHIR_PRIVATE_KEY_FILE: SMART Backend Services needs all three, e.g. FHIR_CLIENT_ID=${EXAMPLES.FHIR_CLIENT_ID} FHIR_TOKEN_URL=${EXAMPLES.FHIR_TOKEN_URL} FHIR_PRIVATE_KEY_FILE=${EXAMPLES.FHIR_PRIVATE_KEY_FILE}`);
  }
  if (dto.CORRAL_CLUSTER === 'on' && !dto.NATS_URL) problems.push(problem('NATS_URL', 'must be set when CORRAL_CLUSTER=on (instances share work through JetStream)'));
  return problems;
}

function clusterOf(dto: EnvDto): ClusterConfig {
  return {
    enabled: dto.CORRAL_CLUSTER === 'on',
    partitions: dto.CLUSTER_PARTITIONS,
    leaseMs: dto.CLUSTER_LEASE_MS,
    instanceId: dto.CLUSTER_INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    ackWaitMs: dto.CLUSTER_ACK_WAIT_MS,
    indexRefreshMs: dto.CLUSTER_INDEX_REFRESH_MS,
    forwardPollMs: dto.CLUSTER_FORWARD_POLL_MS,
  };
}

function natsAuthOf(dto: EnvDto): NatsAuthConfig {
  const tls = dto.NATS_TLS_CA_FILE || dto.NATS_TLS_CERT_FILE ? { caFile: dto.NATS_TLS_CA_FILE, certFile: dto.NATS_TLS_CERT_FILE, keyFile: dto.NATS_TLS_KEY_FILE } : undefined;
  return {
    ...(dto.NATS_CREDS_FILE ? { credsFile: dto.NATS_CREDS_FILE } : {}),
    ...(dto.NATS_NKEY_SEED_FILE ? { nkeySeedFile: dto.NATS_NKEY_SEED_FILE } : {}),
    ...(dto.NATS_USER ? { user: dto.NATS_USER, password: dto.NATS_PASSWORD } : {}),
    ...(dto.NATS_TOKEN ? { token: dto.NATS_TOKEN } : {}),
    ...(tls ? { tls } : {}),
  };
}

/** One reason per variable (stopAtFirstError, and each variable's constraints share one message). */
function describe(error: ValidationError, env: NodeJS.ProcessEnv): string {
  const name = error.property as keyof EnvDto;
  const reason = Object.values(error.constraints ?? {})[0] ?? 'is not valid';
  const given = env[name];
  // Never echo secrets or credentials back into a log.
  const echo = SECRET_VARIABLE.test(name) || given === undefined ? '' : ` (got "${given}")`;
  return problem(name, `${reason}${echo}`);
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

/**
 * The chain key: CORRAL_CHAIN_KEY (plus CORRAL_CHAIN_RETIRED_KEYS), or else `chain.key` beside the
 * data, made on first start as the token key is: its first line is the current key, any further
 * lines retired ones. A key file that is there but unusable stops the start: a new key would make
 * every row written so far look forged. Returns the keys, a problem, or undefined (no file yet).
 */
function readChainKeyFile(dataDir: string): string[] | string | undefined {
  const file = join(dataDir, 'chain.key');
  if (!existsSync(file)) return undefined;
  const keys = readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (keys.length === 0 || keys.some((key) => key.length < 32)) return problem('CORRAL_CHAIN_KEY', `unset, and ${file} must hold keys of at least 32 characters, one a line (the current one first)`);
  return keys;
}

function newChainKeyFile(dataDir: string): string[] {
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(join(dataDir, 'chain.key'), `${key}\n`, { mode: 0o600 });
  chmodSync(join(dataDir, 'chain.key'), 0o600);
  return [key];
}

export interface EnrichmentSettings {
  fhirBaseUrl: string;
  auth:
    | { kind: 'none' }
    | { kind: 'token'; token: string }
    | { kind: 'smart'; clientId: string; tokenUrl: string; privateKeyFile: string; keyId: string | undefined; alg: string; scopes: string };
  rulesFile: string | undefined;
  timeoutMs: number;
  breaker: { failures: number; halfOpenMs: number };
  /** Requests to the directory at once, at most; a lookup beyond them goes without. */
  maxConcurrent: number;
  cache: { ttlMs: number; negativeTtlMs: number; max: number };
}

/** FHIR_* and ENRICHMENT_* → settings (crossCheck made sure a static token and SMART client credentials exclude each other). */
function enrichmentFrom(dto: EnvDto): EnrichmentSettings | undefined {
  if (!dto.FHIR_BASE_URL) return undefined;
  const auth: EnrichmentSettings['auth'] = dto.FHIR_TOKEN
    ? { kind: 'token', token: dto.FHIR_TOKEN }
    : dto.FHIR_CLIENT_ID && dto.FHIR_TOKEN_URL && dto.FHIR_PRIVATE_KEY_FILE
      ? { kind: 'smart', clientId: dto.FHIR_CLIENT_ID, tokenUrl: dto.FHIR_TOKEN_URL, privateKeyFile: dto.FHIR_PRIVATE_KEY_FILE, keyId: dto.FHIR_KEY_ID, alg: dto.FHIR_KEY_ALG, scopes: dto.FHIR_SCOPES }
      : { kind: 'none' };
  return {
    fhirBaseUrl: dto.FHIR_BASE_URL,
    auth,
    rulesFile: dto.CORRAL_ENRICHMENT_FILE,
    timeoutMs: dto.FHIR_TIMEOUT_MS,
    breaker: { failures: dto.FHIR_BREAKER_FAILURES, halfOpenMs: dto.FHIR_BREAKER_HALF_OPEN_MS },
    maxConcurrent: dto.FHIR_MAX_CONCURRENT,
    cache: { ttlMs: dto.ENRICHMENT_CACHE_TTL_MS, negativeTtlMs: dto.ENRICHMENT_NEGATIVE_TTL_MS, max: dto.ENRICHMENT_CACHE_MAX },
  };
}

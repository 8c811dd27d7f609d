import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';
import ms from 'ms';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value);

/**
 * A *_MS variable: a bare number is milliseconds, as it always was; a number with a unit ("30s",
 * "5m", "1h") is read by `ms`. Unambiguous, since a bare number never means anything but milliseconds.
 */
const toMs = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (/^-?\d+$/.test(text)) return Number(text);
  const parsed = /^\d*\.?\d+\s*[a-z]+$/i.test(text) ? (ms(text as ms.StringValue) as number | undefined) : undefined;
  return parsed !== undefined && Number.isInteger(parsed) ? parsed : value;
};

type PropertyDecorator = (target: object, property: string) => void;
const all =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, property) => {
    for (const decorate of decorators) decorate(target, property);
  };

// One rule, one reason: every constraint of a variable carries the same message, so PORT=abc reads
// "must be a whole number 0–65535" once, not "must be an integer; must not be less than 0; …".

function WholeNumber(min: number, max?: number): PropertyDecorator {
  const message = max === undefined ? `must be a whole number ≥ ${min}` : `must be a whole number ${min}–${max}`;
  return all(Transform(toInt), IsInt({ message }), Min(min, { message }), ...(max === undefined ? [] : [Max(max, { message })]));
}

function Millis(min: number, max?: number): PropertyDecorator {
  const range = max === undefined ? `of at least ${ms(min)}` : `${ms(min)}–${ms(max)}`;
  const message = `must be a duration ${range}, in milliseconds or with a unit (30s, 5m)`;
  return all(Transform(toMs), IsInt({ message }), Min(min, { message }), ...(max === undefined ? [] : [Max(max, { message })]));
}

function OneOf(values: readonly string[]): PropertyDecorator {
  return IsIn(values as string[], { message: `must be one of ${values.join(', ')}` });
}

const Secret = (): PropertyDecorator => all(IsOptional(), IsString(), MinLength(32, { message: 'must be at least 32 characters' }));
const HttpUrl = (what = 'an http(s) URL'): PropertyDecorator => all(IsOptional(), Matches(/^https?:\/\/.+/, { message: `must be ${what}` }));
const Text = (): PropertyDecorator => all(IsOptional(), IsString());

/** The environment as corral reads it; README "Configuration" documents each variable. */
export class EnvDto {
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @Matches(/^((nats|tls|wss?):\/\/)?[\w.-]+(:\d+)?(,((nats|tls|wss?):\/\/)?[\w.-]+(:\d+)?)*$/, {
    message: 'must be a comma-separated list of nats://host:port servers',
  })
  NATS_URL?: string;

  @IsOptional()
  @Matches(/^[a-z0-9_-]{1,32}$/, { message: 'must be 1–32 characters of a-z, 0-9, _ or -' })
  NATS_NAMESPACE?: string;

  @WholeNumber(0, 65535) PORT = 8080;
  @IsString() HOST = '0.0.0.0';

  @Secret() CORRAL_TOKEN_KEY?: string;
  @Secret() CORRAL_JOURNAL_KEY?: string;

  /** 400: a year's incident reviews plus a month to finish them (README "Retention"); 0 = never forget. */
  @WholeNumber(0, 36500) JOURNAL_RETENTION_DAYS = 400;

  @IsString() CORRAL_DATA_DIR = '.corral';

  // The journal's and the audit trail's chain key (README "Audit trail"): never in the database.
  @Secret() CORRAL_CHAIN_KEY?: string;

  // Keys rotated out, comma-separated, newest first: rows they linked still verify.
  @IsOptional()
  @Matches(/^[^,\s]{32,}(,[^,\s]{32,})*$/, { message: 'must be a comma-separated list of keys of at least 32 characters each' })
  CORRAL_CHAIN_RETIRED_KEYS?: string;

  @Text() CORRAL_CHAIN_CHECKPOINT_FILE?: string;
  @Millis(1000, 86_400_000) CORRAL_CHAIN_CHECKPOINT_MS = 60000;

  // Unset: 54329, or a free port near it when that one is taken (embedded-port.ts). Set: that port or an error.
  @IsOptional() @WholeNumber(1024, 65535) EMBEDDED_PG_PORT?: number;

  @WholeNumber(1, 10000) BATCH_MAX_SIZE = 500;
  @Millis(0, 1000) BATCH_MAX_DELAY_MS = 5;
  @WholeNumber(100) BATCH_MAX_QUEUED = 20000;

  /** Back-pressure: intake answers 503 (NATS stops pulling) while correlation trails the inbox by more. */
  @WholeNumber(1000) INBOX_MAX_PENDING = 250000;
  @Millis(1000) INBOX_MAX_LAG_MS = 300000;
  /** Correlated inbox rows older than this are pruned; longer than CORRAL_IN keeps messages (7 days), so a redelivery still meets its dedup key. */
  @Millis(60_000) INBOX_RETENTION_MS = 8 * 86_400_000;
  /** The longest an ingest request may wait for its events to be correlated (?wait=correlated, Prefer: wait=). */
  @Millis(0, 600_000) INGEST_WAIT_MAX_MS = 30000;
  /** Threads that parse and normalize large ingest bodies; unset: one per core (os.availableParallelism()); 0: none, all on the main thread. */
  @IsOptional() @WholeNumber(0, 64) INTAKE_WORKERS?: number;

  @Millis(1000, 600_000) NATS_ACK_WAIT_MS = 30000;
  @Millis(0, 600_000) NATS_RETRY_DELAY_MS = 1000;

  /**
   * Deliveries of one inbound message that may fail by its own fault: on the last, it is
   * dead-lettered (`corral.dlq.max-deliveries`) and the consumer moves on.
   */
  @WholeNumber(2, 1000) NATS_MAX_DELIVER = 5;

  @Text() CORRAL_RULES_DIR?: string;
  @Text() CORRAL_SHADOW_RULES_DIR?: string;
  @Millis(10, 60_000) TIMER_POLL_MS = 1000;

  @Text() CORRAL_HELPDESK_FILE?: string;
  /** The channels file: e-mail, Slack, Teams, FHIR Subscription, file drops, the known-issues page (channels/channels-config.ts). */
  @Text() CORRAL_CHANNELS_FILE?: string;
  @HttpUrl() CORRAL_PUBLIC_URL?: string;
  @Millis(10, 60_000) RELAY_POLL_MS = 250;

  @WholeNumber(100) MAX_LIVE_ACTORS = 100000;
  @Millis(1000) ACTOR_IDLE_MS = 600000;

  @Matches(/^\d+(kb|mb)$/, { message: 'must be a size such as 512kb or 1mb' })
  HTTP_BODY_LIMIT = '1mb';

  /** Below Kubernetes' default 30 s grace period, so corral says what it left before SIGKILL comes. */
  @Millis(1000, 600_000) SHUTDOWN_TIMEOUT_MS = 25000;

  @OneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL = 'info';

  // Several instances sharing the work (README "Running several instances").

  @OneOf(['on', 'off']) CORRAL_CLUSTER = 'off';
  /** Fixed for the life of a deployment: partitions of the `corral.sig` stream and of the lease table. */
  @WholeNumber(1, 1024) CLUSTER_PARTITIONS = 64;
  @Millis(1000, 600_000) CLUSTER_LEASE_MS = 10_000;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, { message: 'must be 1–128 letters, digits, ".", "_" or "-"' })
  CLUSTER_INSTANCE_ID?: string;

  @Millis(1000, 600_000) CLUSTER_ACK_WAIT_MS = 10_000;
  @Millis(20, 60_000) CLUSTER_INDEX_REFRESH_MS = 250;
  @Millis(5, 60_000) CLUSTER_FORWARD_POLL_MS = 50;

  // Access control (README "Access control and audit").

  @HttpUrl("an http(s) URL of the issuer's JWKS") CORRAL_JWT_JWKS_URL?: string;
  @Text() CORRAL_JWT_ISSUER?: string;
  @Text() CORRAL_JWT_AUDIENCE?: string;

  @Matches(/^[\w.:/-]{1,128}$/, { message: 'must be a claim name (a claim of exactly that name, else dots walk into nested objects)' })
  CORRAL_JWT_ROLE_CLAIM = 'corral_role';

  @WholeNumber(1, 1000) CORRAL_SMALL_COUNT_THRESHOLD = 5;
  @WholeNumber(1) CORRAL_RATE_LIMIT_PER_MINUTE = 6000;
  @WholeNumber(1) CORRAL_REFUSALS_PER_ADDRESS_PER_MINUTE = 300;

  @IsOptional()
  @Matches(/^https?:\/\/[^,\s]+(,https?:\/\/[^,\s]+)*$/, { message: 'must be a comma-separated list of http(s) origins' })
  CORRAL_CORS_ORIGINS?: string;

  // Express' `trust proxy`: how many proxies, or which addresses, may say (X-Forwarded-*) that the
  // browser came over https. Unset: none, and the dashboard cookie is Secure only on corral's own TLS.
  @IsOptional()
  @Matches(/^(\d{1,2}|(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)(\s*,\s*(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?))*)$/, {
    message: 'must be a number of proxy hops (1) or a comma-separated list of loopback, linklocal, uniquelocal, addresses or CIDR subnets',
  })
  CORRAL_TRUST_PROXY?: string;

  // NATS connection credentials; secrets come from files (or the environment), never from the command line.

  @Text() NATS_CREDS_FILE?: string;
  @Text() NATS_NKEY_SEED_FILE?: string;
  @Text() NATS_USER?: string;
  @Text() NATS_PASSWORD?: string;
  @Text() NATS_TOKEN?: string;
  @Text() NATS_TLS_CA_FILE?: string;
  @Text() NATS_TLS_CERT_FILE?: string;
  @Text() NATS_TLS_KEY_FILE?: string;

  // FHIR enrichment (README "Enrichment"): off unless FHIR_BASE_URL is set.
  @HttpUrl() FHIR_BASE_URL?: string;
  @Text() FHIR_TOKEN?: string;
  @Text() FHIR_CLIENT_ID?: string;
  @HttpUrl() FHIR_TOKEN_URL?: string;
  @Text() FHIR_PRIVATE_KEY_FILE?: string;
  @Text() FHIR_KEY_ID?: string;
  @OneOf(['RS384', 'ES384', 'RS256', 'ES256']) FHIR_KEY_ALG = 'RS384';
  @IsString() FHIR_SCOPES = 'system/Location.read system/Organization.read system/HealthcareService.read system/Device.read system/Endpoint.read';

  @Millis(50, 60_000) FHIR_TIMEOUT_MS = 2000;
  @WholeNumber(1, 1000) FHIR_BREAKER_FAILURES = 5;
  @WholeNumber(1, 1000) FHIR_MAX_CONCURRENT = 16;
  @Millis(100, 3_600_000) FHIR_BREAKER_HALF_OPEN_MS = 30000;
  @Millis(1000) ENRICHMENT_CACHE_TTL_MS = 3600000;
  @Millis(1000) ENRICHMENT_NEGATIVE_TTL_MS = 300000;
  @WholeNumber(1, 1_000_000) ENRICHMENT_CACHE_MAX = 10000;
  @Text() CORRAL_ENRICHMENT_FILE?: string;
}

/**
 * What a good value looks like, for every variable: a configuration error ends with one, so the
 * operator sees the fix beside the fault. Typed by EnvDto's keys, a new variable without an
 * example does not compile.
 */
export const EXAMPLES: Record<keyof EnvDto, string> = {
  DATABASE_URL: 'postgres://corral@db.example.org:5432/corral',
  NATS_URL: 'nats://nats-1:4222,nats://nats-2:4222',
  NATS_NAMESPACE: 'overlake',
  PORT: '8080',
  HOST: '0.0.0.0',
  CORRAL_TOKEN_KEY: '"$(openssl rand -base64 32)"',
  CORRAL_JOURNAL_KEY: '"$(openssl rand -base64 32)"',
  JOURNAL_RETENTION_DAYS: '400',
  CORRAL_DATA_DIR: '/var/lib/corral',
  CORRAL_CHAIN_KEY: '"$(openssl rand -base64 32)"',
  CORRAL_CHAIN_RETIRED_KEYS: '<old key>,<older key>',
  CORRAL_CHAIN_CHECKPOINT_FILE: '/var/lib/corral/chain-checkpoints.jsonl',
  CORRAL_CHAIN_CHECKPOINT_MS: '1m',
  EMBEDDED_PG_PORT: '54329',
  BATCH_MAX_SIZE: '500',
  BATCH_MAX_DELAY_MS: '5',
  BATCH_MAX_QUEUED: '20000',
  INBOX_MAX_PENDING: '250000',
  INBOX_MAX_LAG_MS: '5m',
  INBOX_RETENTION_MS: '8d',
  INGEST_WAIT_MAX_MS: '30s',
  INTAKE_WORKERS: '2',
  NATS_ACK_WAIT_MS: '30s',
  NATS_RETRY_DELAY_MS: '1s',
  NATS_MAX_DELIVER: '5',
  CORRAL_RULES_DIR: 'config/rules:/etc/corral/rules',
  CORRAL_SHADOW_RULES_DIR: 'config/rules:/etc/corral/rules-next',
  TIMER_POLL_MS: '1000',
  CORRAL_HELPDESK_FILE: '/etc/corral/helpdesk.yaml',
  CORRAL_CHANNELS_FILE: '/etc/corral/channels.yaml',
  CORRAL_PUBLIC_URL: 'https://corral.example.org',
  RELAY_POLL_MS: '250',
  MAX_LIVE_ACTORS: '100000',
  ACTOR_IDLE_MS: '10m',
  HTTP_BODY_LIMIT: '1mb',
  SHUTDOWN_TIMEOUT_MS: '25s',
  LOG_LEVEL: 'info',
  CORRAL_CLUSTER: 'on',
  CLUSTER_PARTITIONS: '64',
  CLUSTER_LEASE_MS: '10s',
  CLUSTER_INSTANCE_ID: 'corral-1',
  CLUSTER_ACK_WAIT_MS: '10s',
  CLUSTER_INDEX_REFRESH_MS: '250',
  CLUSTER_FORWARD_POLL_MS: '50',
  CORRAL_JWT_JWKS_URL: 'https://idp.example.org/.well-known/jwks.json',
  CORRAL_JWT_ISSUER: 'https://idp.example.org/',
  CORRAL_JWT_AUDIENCE: 'corral',
  CORRAL_JWT_ROLE_CLAIM: 'realm_access.roles',
  CORRAL_SMALL_COUNT_THRESHOLD: '5',
  CORRAL_RATE_LIMIT_PER_MINUTE: '6000',
  CORRAL_REFUSALS_PER_ADDRESS_PER_MINUTE: '300',
  CORRAL_CORS_ORIGINS: 'https://wallboard.example.org',
  CORRAL_TRUST_PROXY: '1',
  NATS_CREDS_FILE: '/run/secrets/corral.creds',
  NATS_NKEY_SEED_FILE: '/run/secrets/corral.nk',
  NATS_USER: 'corral',
  NATS_PASSWORD: '<the NATS password>',
  NATS_TOKEN: '<the NATS token>',
  NATS_TLS_CA_FILE: '/etc/corral/nats-ca.pem',
  NATS_TLS_CERT_FILE: '/etc/corral/nats-client.pem',
  NATS_TLS_KEY_FILE: '/etc/corral/nats-client.key',
  FHIR_BASE_URL: 'https://fhir.example.org/R4',
  FHIR_TOKEN: '<a bearer token>',
  FHIR_CLIENT_ID: 'corral',
  FHIR_TOKEN_URL: 'https://fhir.example.org/auth/token',
  FHIR_PRIVATE_KEY_FILE: '/run/secrets/fhir-key.pem',
  FHIR_KEY_ID: 'corral-2026',
  FHIR_KEY_ALG: 'RS384',
  FHIR_SCOPES: '"system/Location.read system/Device.read"',
  FHIR_TIMEOUT_MS: '2s',
  FHIR_BREAKER_FAILURES: '5',
  FHIR_MAX_CONCURRENT: '16',
  FHIR_BREAKER_HALF_OPEN_MS: '30s',
  ENRICHMENT_CACHE_TTL_MS: '1h',
  ENRICHMENT_NEGATIVE_TTL_MS: '5m',
  ENRICHMENT_CACHE_MAX: '10000',
  CORRAL_ENRICHMENT_FILE: '/etc/corral/enrichment.yaml',
};

/** Values never echoed back in an error, not even in part. */
export const SECRET_VARIABLE = /KEY|URL|PASSWORD|TOKEN|CREDS|SEED|SECRET/;

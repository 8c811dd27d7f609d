import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value);

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
  @Matches(/^[a-z0-9_-]{1,32}$/, { message: 'must be 1-32 characters of a-z, 0-9, _ or -' })
  NATS_NAMESPACE?: string;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(0)
  @Max(65535)
  PORT = 8080;

  @IsString()
  HOST = '0.0.0.0';

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (use: openssl rand -base64 32)' })
  CORRAL_TOKEN_KEY?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (use: openssl rand -base64 32)' })
  CORRAL_JOURNAL_KEY?: string;

  /** 400: a year's incident reviews plus a month to finish them (README "Retention"); 0 = never forget. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number of days (0 = never)' })
  @Min(0)
  @Max(36500)
  JOURNAL_RETENTION_DAYS = 400;

  @IsString()
  CORRAL_DATA_DIR = '.corral';

  // The journal's and the audit trail's chain key (README "Audit trail"): never in the database.
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters (use: openssl rand -base64 32)' })
  CORRAL_CHAIN_KEY?: string;

  // Keys rotated out, comma-separated, newest first: rows they linked still verify.
  @IsOptional()
  @Matches(/^[^,\s]{32,}(,[^,\s]{32,})*$/, { message: 'must be a comma-separated list of keys of at least 32 characters each' })
  CORRAL_CHAIN_RETIRED_KEYS?: string;

  @IsOptional()
  @IsString()
  CORRAL_CHAIN_CHECKPOINT_FILE?: string;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1000)
  @Max(86400000)
  CORRAL_CHAIN_CHECKPOINT_MS = 60000;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1024)
  @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(10000)
  BATCH_MAX_SIZE = 500;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(0)
  @Max(1000)
  BATCH_MAX_DELAY_MS = 5;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(100)
  BATCH_MAX_QUEUED = 20000;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1000)
  @Max(600000)
  NATS_ACK_WAIT_MS = 30000;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(0)
  @Max(600000)
  NATS_RETRY_DELAY_MS = 1000;

  /**
   * Deliveries of one inbound message that may fail by its own fault: on the last, it is
   * dead-lettered (`corral.dlq.max-deliveries`) and the consumer moves on.
   */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(2)
  @Max(1000)
  NATS_MAX_DELIVER = 5;

  @IsOptional()
  @IsString()
  CORRAL_RULES_DIR?: string;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(10)
  @Max(60000)
  TIMER_POLL_MS = 1000;

  @IsOptional()
  @IsString()
  CORRAL_HELPDESK_FILE?: string;

  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL' })
  CORRAL_PUBLIC_URL?: string;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(10)
  @Max(60000)
  RELAY_POLL_MS = 250;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(100)
  MAX_LIVE_ACTORS = 100000;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1000)
  ACTOR_IDLE_MS = 600000;

  @Matches(/^\d+(kb|mb)$/, { message: 'must look like 512kb or 1mb' })
  HTTP_BODY_LIMIT = '1mb';

  /** Below Kubernetes' default 30 s grace period, so corral says what it left before SIGKILL comes. */
  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1000)
  @Max(600000)
  SHUTDOWN_TIMEOUT_MS = 25000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  // Access control (README "Access control and audit").

  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL of the issuer\'s JWKS' })
  CORRAL_JWT_JWKS_URL?: string;

  @IsOptional()
  @IsString()
  CORRAL_JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  CORRAL_JWT_AUDIENCE?: string;

  @Matches(/^[\w.:/-]{1,128}$/, { message: 'must be a claim name (a claim of exactly that name, else dots walk into nested objects)' })
  CORRAL_JWT_ROLE_CLAIM = 'corral_role';

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  @Max(1000)
  CORRAL_SMALL_COUNT_THRESHOLD = 5;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  CORRAL_RATE_LIMIT_PER_MINUTE = 6000;

  @Transform(toInt)
  @IsInt({ message: 'must be a whole number' })
  @Min(1)
  CORRAL_REFUSALS_PER_ADDRESS_PER_MINUTE = 300;

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

  @IsOptional()
  @IsString()
  NATS_CREDS_FILE?: string;

  @IsOptional()
  @IsString()
  NATS_NKEY_SEED_FILE?: string;

  @IsOptional()
  @IsString()
  NATS_USER?: string;

  @IsOptional()
  @IsString()
  NATS_PASSWORD?: string;

  @IsOptional()
  @IsString()
  NATS_TOKEN?: string;

  @IsOptional()
  @IsString()
  NATS_TLS_CA_FILE?: string;

  @IsOptional()
  @IsString()
  NATS_TLS_CERT_FILE?: string;

  @IsOptional()
  @IsString()
  NATS_TLS_KEY_FILE?: string;

  // FHIR enrichment (README "Enrichment"): off unless FHIR_BASE_URL is set.
  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL' })
  FHIR_BASE_URL?: string;

  @IsOptional() @IsString() FHIR_TOKEN?: string;
  @IsOptional() @IsString() FHIR_CLIENT_ID?: string;

  @IsOptional()
  @Matches(/^https?:\/\/.+/, { message: 'must be an http(s) URL' })
  FHIR_TOKEN_URL?: string;

  @IsOptional() @IsString() FHIR_PRIVATE_KEY_FILE?: string;
  @IsOptional() @IsString() FHIR_KEY_ID?: string;
  @IsIn(['RS384', 'ES384', 'RS256', 'ES256']) FHIR_KEY_ALG = 'RS384';
  @IsString() FHIR_SCOPES = 'system/Location.read system/Organization.read system/HealthcareService.read system/Device.read system/Endpoint.read';

  @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(50) @Max(60000) FHIR_TIMEOUT_MS = 2000;
  @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(1) @Max(1000) FHIR_BREAKER_FAILURES = 5;
  @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(1) @Max(1000) FHIR_MAX_CONCURRENT = 16;
  @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(100) @Max(3600000) FHIR_BREAKER_HALF_OPEN_MS = 30000;
  @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(1000) ENRICHMENT_CACHE_TTL_MS = 3600000;
  @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(1000) ENRICHMENT_NEGATIVE_TTL_MS = 300000;
  @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(1) @Max(1000000) ENRICHMENT_CACHE_MAX = 10000;
  @IsOptional() @IsString() CORRAL_ENRICHMENT_FILE?: string;
}

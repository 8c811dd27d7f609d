import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoggerService } from '@nestjs/common';
import type { CorralConfig } from './modules/config/corral-config.js';

/**
 * Nest's own start-up chatter: one "dependencies initialized" line per module and one "Mapped …
 * route" line per route (about sixty). Useful when wiring breaks, noise on every other start, so
 * it goes to debug; everything else passes through unchanged.
 */
const FRAMEWORK_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

export class QuietFrameworkLogger implements LoggerService {
  constructor(private readonly inner: LoggerService & { debug(message: unknown, ...rest: unknown[]): void }) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) this.inner.debug(message, ...rest);
    else this.inner.log(message, ...rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.inner.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.inner.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.inner.debug(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.inner.verbose?.(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    (this.inner.fatal ?? this.inner.error).call(this.inner, message, ...rest);
  }
}

/**
 * What an operator checks first after a start, in one line: which corral, which Node, which
 * database (host and database, never the password), which bus, and where the configuration came from.
 */
export function startupSummary(config: CorralConfig): string {
  const version = (JSON.parse(readFileSync(packageJson(), 'utf8')) as { version: string }).version;
  const database = config.databaseUrl ? describeDatabase(config.databaseUrl) : `embedded PostgreSQL (port ${config.embeddedPgPort})`;
  const bus = config.natsUrl ? `NATS ${config.natsUrl}${config.natsNamespace ? ` (namespace ${config.natsNamespace})` : ''}` : 'in-process';
  const file = config.envFile;
  const source = file ? `environment and ${file.file} (${file.applied} set from it${file.overridden > 0 ? `, ${file.overridden} left to the environment` : ''})` : 'environment';
  const cluster = config.cluster.enabled ? `; cluster instance ${config.cluster.instanceId} (${config.cluster.partitions} partitions)` : '';
  return `corral ${version} on Node ${process.version}; database ${database}; bus ${bus}${cluster}; configuration from the ${source}`;
}

function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}${parsed.username ? ` as ${decodeURIComponent(parsed.username)}` : ''}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/** corral's package.json, from this file in src/ (tests) or dist/src/ (production). */
function packageJson(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'package.json');
}

// First: an old Node is refused with a plain sentence before anything else loads.
import './node-version.js';
import { Logger } from 'nestjs-pino';
import { createApp, LISTEN_BACKLOG } from './bootstrap.js';
import { RuleError } from './correlation/rules.js';
import { ConfigError, loadConfig } from './modules/config/corral-config.js';
import { EnrichmentRulesError } from './modules/enrichment/enrichment-rules.js';
import { closeWithin, describeUnfinished } from './shutdown.js';
import { startupSummary } from './startup-log.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  const logger = app.get(Logger);
  logger.log(startupSummary(config));

  // Graceful stop: intake stops, what was taken is durable in the inbox and acked (correlation of
  // the rest resumes at the next start), then the bus and the
  // database close — within SHUTDOWN_TIMEOUT_MS (below Kubernetes' 30 s grace period): past it,
  // corral logs what it leaves for redelivery and exits 1. A second signal while draining does not
  // cut it short.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: stopping intake, committing what is in flight (deadline ${config.shutdownTimeoutMs} ms)`);
    const left = await closeWithin(app, config.shutdownTimeoutMs);
    if (left) {
      logger.error(describeUnfinished(left, config.shutdownTimeoutMs));
      process.exit(1);
    }
    logger.log('stopped cleanly');
    process.exit(0);
  };
  // SIGHUP: the terminal corral runs in was closed; stop the same way, so the embedded PostgreSQL is
  // stopped too rather than left for the next start to clean up.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => {
      stop(signal).catch((error: unknown) => {
        logger.error(error);
        process.exit(1);
      });
    });
  }

  await app.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });
  const url = await app.getUrl();
  logger.log(`corral listening on ${url} (OpenAPI at ${url}/docs)`);
}

// Problems the operator fixes in the configuration, the rule files or the enrichment file: each
// lists everything wrong at once, and a stack trace would only hide it.
const OPERATOR_ERRORS = [ConfigError, RuleError, EnrichmentRulesError];

main().catch((error: unknown) => {
  console.error(OPERATOR_ERRORS.some((kind) => error instanceof kind) ? (error as Error).message : error);
  process.exit(1);
});

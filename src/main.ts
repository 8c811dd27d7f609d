import { Logger as LoggerToken } from 'nestjs-pino';
import { createApp } from './bootstrap.js';
import { ConfigError, loadConfig } from './modules/config/corral-config.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const url = await app.getUrl();
  app.get(LoggerToken).log(`corral listening on ${url} (OpenAPI at ${url}/docs)`);
}


main().catch((error: unknown) => {
  // A configuration problem is the operator's to fix: say what, without a stack trace.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});

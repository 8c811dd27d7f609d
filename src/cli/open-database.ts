import type { DataSource } from 'typeorm';
import type { CorralConfig } from '../modules/config/corral-config.js';
import { createDataSource } from '../modules/database/data-source.js';
import { startEmbeddedPostgres } from '../modules/database/embedded-postgres.js';

/** For command-line tools: the same database the server would use, embedded one included. */
export async function openDatabase(config: CorralConfig): Promise<{ dataSource: DataSource; close(): Promise<void> }> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, console.error);
  const dataSource = createDataSource(config.databaseUrl ?? (embedded?.url as string), { poolSize: 2 });
  await dataSource.initialize();
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

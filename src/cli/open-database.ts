import type { DataSource } from 'typeorm';
import type { CorralConfig } from '../modules/config/corral-config.js';
import { createDataSource } from '../modules/database/data-source.js';
import { startEmbeddedPostgres } from '../modules/database/embedded-postgres.js';

/**
 * For command-line tools: the same database the server would use. Without DATABASE_URL that is
 * the embedded one: the server's, when a corral runs on this data directory (a second terminal),
 * or else one this command starts for itself and stops when it closes.
 */
export async function openDatabase(config: CorralConfig): Promise<{ dataSource: DataSource; close(): Promise<void> }> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, role: 'command', log: () => undefined, warn: (line) => console.error(line) });
  const dataSource = createDataSource(config.databaseUrl ?? (embedded?.url as string), { poolSize: 2 });
  try {
    await dataSource.initialize();
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return {
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await embedded?.stop();
    },
  };
}

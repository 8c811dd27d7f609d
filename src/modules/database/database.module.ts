import { join } from 'node:path';
import { Global, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CorralConfig } from '../config/corral-config.js';
import { createDataSource } from './data-source.js';
import { DatabaseProbe } from './database-probe.js';
import { migrateUnderLock } from './migration-lock.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';
import { URL_FILE } from './embedded-state.js';

/** The running database: the DataSource, and the embedded server behind it when there is one. */
export class Database implements OnApplicationShutdown {
  constructor(
    readonly dataSource: DataSource,
    private readonly embedded: EmbeddedDatabase | undefined,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}

async function openDatabase(config: CorralConfig): Promise<Database> {
  const logger = new Logger('Database');
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, role: 'server', log: (line) => logger.log(line), warn: (line) => logger.warn(line) });
    url = embedded.url;
    logger.log(`no DATABASE_URL: using embedded PostgreSQL on port ${embedded.port}, data in ${config.dataDir}/pg; its URL is in ${join(config.dataDir, URL_FILE)} while corral runs`);
  }
  const dataSource = createDataSource(url);
  try {
    await dataSource.initialize();
    const applied = await migrateUnderLock(dataSource);
    if (applied.length > 0) logger.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
    embedded?.publish();
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  return new Database(dataSource, embedded);
}

@Global()
@Module({
  providers: [
    { provide: Database, inject: [CorralConfig], useFactory: openDatabase },
    { provide: DataSource, inject: [Database], useFactory: (db: Database) => db.dataSource },
    DatabaseProbe,
  ],
  exports: [DataSource, DatabaseProbe],
})
export class DatabaseModule {}

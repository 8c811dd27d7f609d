import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { ApiKeyCache } from '../src/modules/auth/api-key-cache.js';
import { ApiKeys } from '../src/modules/auth/api-keys.js';
import { createDataSource } from '../src/modules/database/data-source.js';
import { createTestDatabase, eventually, withClient, type TestDatabase } from './support/harness.js';

/**
 * The server remembers valid API keys instead of reading `api_key` at every request; a change to
 * the table, made by any process, must make it forget at once (LISTEN/NOTIFY), and while it cannot
 * hear about changes it must not remember anything.
 */
describe('API key cache', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let cache: ApiKeyCache;
  let reads = 0;
  let keys: ApiKeys;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = createDataSource(db.url, { poolSize: 2 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    cache = new ApiKeyCache(db.url);
    await cache.onModuleInit();
    // Counts the lookups that reach Postgres.
    const counting = new Proxy(dataSource, {
      get: (target, property, receiver) =>
        property === 'query'
          ? (sql: string, params?: unknown[]) => {
              if (sql.includes('FROM api_key')) reads += 1;
              return target.query(sql, params);
            }
          : (Reflect.get(target, property, receiver) as unknown),
    });
    keys = new ApiKeys(counting, cache);
  });

  afterAll(async () => {
    await cache?.onApplicationShutdown();
    await dataSource?.destroy();
    await db?.drop();
  });

  it('reads a key once, then forgets it as soon as another process revokes it', async () => {
    const created = await new ApiKeys(dataSource).create({ role: 'agent', label: 'desk', createdBy: 'test' });
    reads = 0;
    expect(await keys.authenticate(created.key)).toMatchObject({ kind: 'api-key', id: created.id, role: 'agent' });
    expect(await keys.authenticate(created.key)).toMatchObject({ id: created.id });
    expect(reads).toBe(1);

    await withClient(db.url, (c) => c.query(`UPDATE api_key SET revoked_at = now() WHERE id = $1`, [created.id]));
    const refused = await eventually(() => keys.authenticate(created.key), (r) => 'refused' in r, 2_000);
    expect(refused).toEqual({ refused: 'API key revoked' });
  });

  it('remembers nothing while the notifications are cut off, and caches again once they are back', async () => {
    const created = await new ApiKeys(dataSource).create({ role: 'ingest', label: 'prometheus', createdBy: 'test' });
    await withClient(db.url, (c) => c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'corral-api-key-listener' AND datname = current_database()`));
    /** Database reads made by two uses of the key in a row. */
    const readsForTwoUses = async () => {
      reads = 0;
      await keys.authenticate(created.key);
      await keys.authenticate(created.key);
      return reads;
    };
    // The listener notices the lost connection asynchronously; from then on every use reads.
    await eventually(readsForTwoUses, (n) => n === 2, 5_000);
    // Back after its backoff: the key is remembered again. One read (the first use of the pair) or
    // none (the listener came back between two pairs, and the pair before already cached the key):
    // while it was down, every use read.
    await eventually(readsForTwoUses, (n) => n < 2, 10_000);
  });
});

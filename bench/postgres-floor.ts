import pg from 'pg';
import type { Throughput } from './http-load.js';
import { createDatabase, progress, withPg } from './services.js';

/** What the floor phase reports: the HTTP phase's throughput fields, and the rows it left. */
export type FloorResult = Throughput & { rows: number };

/**
 * The least a durable 2xx could cost on this machine: the HTTP phase's webhook bodies, with the same
 * batches and requests in flight, each batch appended by PostgreSQL alone as one jsonb row per
 * alert in its own transaction (synchronous commit, as corral commits) to a table with a primary
 * key and nothing else. No HTTP, no correlation, no journal or read models. Beside corral's and
 * Alertmanager's rates it says whether the disk and PostgreSQL are what corral's rate waits for.
 */
export async function postgresFloor(bodies: string[], options: { perBody: number; concurrency: number }): Promise<FloorResult> {
  const db = await createDatabase();
  try {
    await withPg(db.url, (c) => c.query(`CREATE TABLE received_alert (id bigserial PRIMARY KEY, alert jsonb NOT NULL)`));
    const clients = await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        return client;
      }),
    );
    try {
      let next = 0;
      let done = 0;
      const started = performance.now();
      const ticker = setInterval(() => progress(`postgres floor: ${done * options.perBody} alerts committed`), 1000);
      try {
        await Promise.all(
          clients.map(async (client) => {
            while (next < bodies.length) {
              const body = bodies[next++];
              await client.query({ name: 'floor', text: `INSERT INTO received_alert (alert) SELECT value FROM jsonb_array_elements($1::jsonb -> 'alerts')`, values: [body] });
              done += 1;
            }
          }),
        );
      } finally {
        clearInterval(ticker);
      }
      const seconds = (performance.now() - started) / 1000;
      const alerts = bodies.length * options.perBody;
      const rows = await withPg(db.url, async (c) => (await c.query<{ rows: number }>(`SELECT count(*)::int AS rows FROM received_alert`)).rows[0]?.rows ?? 0);
      return { alerts, seconds, perSecond: alerts / seconds, retries: 0, rows };
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  } finally {
    await db.drop();
  }
}

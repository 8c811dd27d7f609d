import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import pg from 'pg';
import { createApp } from '../src/bootstrap.js';
import { MESSAGE_BUS, type InboundMessage, type MessageBus } from '../src/modules/bus/message-bus.js';
import { loadConfig } from '../src/modules/config/corral-config.js';
import { ApiKeys } from '../src/modules/auth/api-keys.js';
import { apiFetch, canonical, childIdOf, createTestDatabase, eventually, inboxCorrelated, registerKey, TestNats, TOKEN_KEY, withClient, type TestDatabase } from './support/harness.js';

const encoder = new TextEncoder();

async function boot(db: TestDatabase, nats: TestNats, env: Record<string, string>, patch?: (bus: MessageBus) => void): Promise<{ app: INestApplication; baseUrl: string }> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    CORRAL_TOKEN_KEY: TOKEN_KEY,
    CORRAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'corral-data-')),
    LOG_LEVEL: 'error',
    DATABASE_URL: db.url,
    NATS_URL: nats.url,
    NATS_NAMESPACE: nats.namespace,
    ...env,
  });
  const app = await createApp(config);
  // Providers exist once the app is created; consuming starts when it listens.
  patch?.(app.get<MessageBus>(MESSAGE_BUS));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${port}`;
  const { key } = await app.get(ApiKeys, { strict: false }).create({ role: 'ingest', label: 'durability test', createdBy: 'test' });
  registerKey(baseUrl, key);
  return { app, baseUrl };
}

describe('runtime durability', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let app: INestApplication | undefined;

  beforeEach(async () => {
    db = await createTestDatabase();
    nats = await TestNats.open();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    await nats.close();
    await db.drop();
  });

  it('acks a redelivered message whose events are already in the inbox, applying them once and keeping no receipt', async () => {
    let dropped = 0;
    // The ack of the first message is lost on its way to NATS, after the commit succeeded.
    const loseFirstAck = (bus: MessageBus) => {
      const consume = bus.consume.bind(bus);
      bus.consume = (handler) =>
        consume((message: InboundMessage) => handler(dropped === 0 ? { ...message, ack: () => void (dropped += 1) } : message));
    };
    ({ app } = await boot(db, nats, { NATS_ACK_WAIT_MS: '1000' }, loseFirstAck));

    await jetstream(nats.nc).publish(nats.subjects.in('canonical'), encoder.encode(JSON.stringify(canonical({ id: 'once', system: 'pyxis' }))));

    const settled = await eventually(() => nats.ingestConsumer(), (info) => dropped === 1 && info.num_ack_pending === 0 && info.num_pending === 0);
    expect(settled.num_redelivered).toBe(0);
    expect(settled.delivered.consumer_seq).toBe(2);
    await inboxCorrelated(db.url);
    const [child] = await withClient(db.url, async (c) => (await c.query<{ repeats: number }>(`SELECT repeats FROM incident_child WHERE id = '${childIdOf('once')}'`)).rows);
    expect(child?.repeats).toBe(0);
    const kinds = await withClient(db.url, async (c) => (await c.query<{ kind: string }>(`SELECT kind FROM journal WHERE kind LIKE 'child.%'`)).rows.map((r) => r.kind));
    expect(kinds).toEqual(['child.attached']);
    // The redelivery met its event's dedup key in the inbox: one row, and no per-message receipt.
    const rows = await withClient(db.url, async (c) => (await c.query<{ inbox: string; receipts: string }>(`SELECT (SELECT count(*) FROM inbox) AS inbox, (SELECT count(*) FROM processed_message) AS receipts`)).rows[0]);
    expect(rows).toEqual({ inbox: '1', receipts: '0' });
  });

  it('answers 503 with Retry-After while correlation lags past INBOX_MAX_PENDING, loses nothing it accepted, and serves again once caught up', async () => {
    let baseUrl: string;
    ({ app, baseUrl } = await boot(db, nats, { INBOX_MAX_PENDING: '1000', BATCH_MAX_SIZE: '100' }));
    const post = (events: unknown[]) => apiFetch(`${baseUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
    const batch = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => canonical({ id: `${prefix}-${i}`, system: 'pacs' }));

    // Hold the journal so that nothing can be correlated: the inbox fills up, every 202 durable in it.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE journal IN ACCESS EXCLUSIVE MODE');
    const accepted: Response[] = [];
    for (const prefix of ['a', 'b', 'c', 'd', 'e']) accepted.push(await post(batch(prefix, 200)));
    const refused = await post(batch('f', 10));
    await blocker.query('COMMIT');
    await blocker.end();

    expect(accepted.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(((await refused.json()) as { message: string }).message).toMatch(/correlation is 1000 events .* behind; nothing was kept/);
    await inboxCorrelated(db.url);
    const children = await withClient(db.url, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM incident_child`)).rows[0]?.n));
    expect(children).toBe(1000);
    expect((await post(batch('f', 10))).status).toBe(202);
  });
});

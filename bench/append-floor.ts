import { checkNative, encodedEntries } from '../src/modules/ingest/intake-prep.js';
import { InboxRepository } from '../src/modules/inbox/inbox.repository.js';
import { binaryArray } from '../src/modules/persistence/binary-arrays.js';
import { withMigratedDatabase } from './services.js';
import { AlertStream, ISSUE_SHAPE, toWebhook } from './workload.js';

/**
 * What PostgreSQL alone costs to make alerts durable (issue 23: is the inbox append what bounds
 * intake on this machine?). The benchmark's own webhooks, normalized and privacy-filtered as the
 * route does it, appended one statement per webhook of 500:
 * - `perEventRows`: corral's append (InboxRepository.append, one row per event, the unique dedup
 *   index, the append lock): what intake pays today;
 * - `perRequestRow`: what the cheapest alternative inside PostgreSQL would pay: only the dedup keys
 *   as rows (for resends), the request's events as one row of text (stored uncompressed), in one
 *   transaction;
 * - `dedupKeysOnly`: the dedup keys alone, the floor of any design that still refuses resends.
 * Wall time per alert on an otherwise quiet machine, best of the rounds (one connection, nothing
 * else running: this is PostgreSQL's own cost, which under load shares the same cores with corral).
 * `npm run bench:append-floor [-- <webhooks>]`.
 */
const WEBHOOKS = Number(process.argv[2] ?? 60);
const BATCH = 500;
const TOKEN_KEY = 'bench-token-key-0123456789abcdefghijklmnop';

async function main(): Promise<void> {
  await withMigratedDatabase(async (ds) => {
    await ds.query(`CREATE TABLE floor_dedup (dedup uuid PRIMARY KEY)`);
    await ds.query(`CREATE TABLE floor_request (position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now(), input text NOT NULL)`);
    await ds.query(`ALTER TABLE floor_request ALTER COLUMN input SET STORAGE EXTERNAL`);
    await ds.query(`CREATE TABLE floor_keys (dedup uuid PRIMARY KEY)`);
    const stream = new AlertStream(ISSUE_SHAPE, 'floor');
    const rows = Array.from({ length: WEBHOOKS }, (_, n) => {
      const checked = checkNative('alertmanager', JSON.parse(toWebhook(stream.take(BATCH))), { tokenKey: TOKEN_KEY, correlationId: `floor-${n}`, receivedAt: new Date() });
      if (!checked.ok) throw new Error(checked.reason);
      return encodedEntries(checked.normalized.events, checked.normalized.resolves);
    });
    const bytes = rows.flat().reduce((sum, row) => sum + Buffer.byteLength(row.text), 0) / rows.flat().length;
    const repository = new InboxRepository(ds);
    const runner = ds.createQueryRunner();
    await runner.connect();
    const variants: Record<string, (batch: typeof rows[number]) => Promise<unknown>> = {
      perEventRows: (batch) => repository.append(batch.map((r) => r.dedup), batch.map((r) => r.text)),
      perRequestRow: async (batch) => {
        await runner.startTransaction();
        await runner.query(`INSERT INTO floor_dedup (dedup) SELECT * FROM unnest($1::uuid[]) ON CONFLICT DO NOTHING RETURNING dedup`, [binaryArray('uuid', batch.map((r) => r.dedup))]);
        await runner.query(`INSERT INTO floor_request (input) VALUES ($1)`, [batch.map((r) => r.text).join('\n')]);
        await runner.commitTransaction();
      },
      dedupKeysOnly: (batch) => ds.query(`INSERT INTO floor_keys (dedup) SELECT * FROM unnest($1::uuid[]) ON CONFLICT DO NOTHING`, [binaryArray('uuid', batch.map((r) => r.dedup))]),
    };
    const results: Record<string, number> = {};
    for (const [name, append] of Object.entries(variants)) {
      const times: number[] = [];
      for (const batch of rows) {
        const started = performance.now();
        await append(batch);
        times.push(performance.now() - started);
      }
      // The fastest half: what the statement costs when nothing else is in its way.
      times.sort((a, b) => a - b);
      const half = times.slice(0, Math.max(1, Math.floor(times.length / 2)));
      results[`${name}UsPerAlert`] = +(((half.reduce((a, b) => a + b, 0) / half.length) * 1000) / BATCH).toFixed(1);
    }
    await runner.release();
    console.log(JSON.stringify({ webhooks: WEBHOOKS, alertsPerWebhook: BATCH, rowBytes: Math.round(bytes), ...results }, null, 2));
  });
}

void main();

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jetstream } from '@nats-io/jetstream';
import { canonical, childIdOf, eventually, inboxCorrelated, useCorralSuite, withClient } from './support/harness.js';

const encoder = new TextEncoder();
const MESSAGES = 1000;
const MAX_QUEUED = 100;

/**
 * An EHR directory that takes the connection and never answers: every event waits FHIR_TIMEOUT_MS
 * for its context before it reaches the batcher. The batcher has room all that time, so only a
 * bound on the messages NATS intake holds keeps it from pulling what the batcher will refuse.
 */
describe('NATS intake while events wait for enrichment', () => {
  const directory = createServer(() => undefined);
  beforeAll(() => new Promise<void>((resolve) => directory.listen(0, '127.0.0.1', resolve)));
  afterAll(() => {
    directory.closeAllConnections();
    directory.close();
  });
  const suite = useCorralSuite(() => ({
    FHIR_BASE_URL: `http://127.0.0.1:${(directory.address() as AddressInfo).port}/fhir`,
    FHIR_TIMEOUT_MS: '300',
    FHIR_BREAKER_FAILURES: '1000',
    BATCH_MAX_QUEUED: String(MAX_QUEUED),
    NATS_RETRY_DELAY_MS: '100',
  }));

  it('takes no more messages than the batcher can queue, so none is refused and redelivered', async () => {
    const js = jetstream(suite.nats.nc);
    await Promise.all(
      Array.from({ length: MESSAGES }, (_, n) =>
        js.publish(suite.nats.subjects.in('canonical'), encoder.encode(JSON.stringify(canonical({ id: `wait-${n}`, system: 'pacs', errorSignature: 'DICOM_TIMEOUT', facility: `F${n % 10}` })))),
      ),
    );
    const info = await eventually(() => suite.nats.ingestConsumer(), (i) => i.num_pending === 0 && i.num_ack_pending === 0, 60_000);
    // Acked is durable in the inbox; correlation follows.
    await inboxCorrelated(suite.db.url);
    const kept = await withClient(suite.db.url, async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM incident_child WHERE id = ANY($1)`, [Array.from({ length: MESSAGES }, (_, n) => childIdOf(`wait-${n}`))])).rows[0]?.n);
    expect(kept).toBe(MESSAGES);
    // Each message delivered once: none was taken only to be refused by a full batcher and nak'd.
    expect(info.num_redelivered).toBe(0);
    expect(info.delivered.consumer_seq).toBe(MESSAGES);
  }, 90_000);
});

import 'reflect-metadata';
import type { Input } from '../src/actors/batch-executor.js';
import { Batcher } from '../src/actors/batcher.js';
import { anEvent } from '../src/correlation/test-events.js';
import { useMigratedDatabase } from './support/harness.js';
import { localBatcher } from './support/local-runtime.js';

/**
 * With several instances one input can reach its owner twice: the inbound message `in:7`, its ack
 * wait run out while it waited in a busy instance B, is redelivered to A, which owns the actor and
 * submits the input itself with receipt `in:7#0`; meanwhile B, still handling its own delivery,
 * publishes the input to the partition subject (`origin: in:7#0`), and A's partition consumer
 * submits that message too, again with `in:7#0`. Whichever commits second must be refused. When
 * both land in the same batch, the commit's DISTINCT on receipts used to let both through: the
 * event was applied twice (a repeat in the 3-process cluster test).
 */
describe('input receipts (<receipt>#<index>) within and across pipelined batches', () => {
  const suite = useMigratedDatabase();

  const runtime = (maxSize: number): Batcher => localBatcher(suite.dataSource, { maxSize, maxDelayMs: 20 });

  const event = (system: string, id: string): Input => ({ type: 'event', event: anEvent({ id, system }) });

  const repeats = async (system: string) =>
    (await suite.dataSource.query<Array<{ children: number; repeats: number }>>(
      `SELECT count(*)::int AS children, coalesce(sum(c.repeats), 0)::int AS repeats FROM incident_child c JOIN incident i ON i.id = c.incident_id WHERE i.system = $1`,
      [system],
    ))[0];

  it('applies an input once when its local delivery and its second-hop message land in the same batch', async () => {
    const batcher = runtime(100);
    const input = event('same-batch', 'same-batch-1');
    // The redelivered inbound message, applied locally, and the partition message B published for it.
    const local = batcher.submit([input], { receipt: 'in:7', inputReceipts: ['in:7#0'] });
    const secondHop = batcher.submit([input], { receipt: 'sig:3', inputReceipts: ['in:7#0'] });
    const results = await Promise.allSettled([local, secondHop]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect(await repeats('same-batch')).toEqual({ children: 1, repeats: 0 });
  });

  it('refuses only the copy when the input is already in the batch being committed, not the batch prepared next to it', async () => {
    const batcher = runtime(2);
    const input = event('pipelined', 'pipelined-1');
    // Two inputs fill a batch: it is taken at once and commits while the next one is prepared.
    const first = batcher.submit([input, event('pipelined', 'pipelined-2')], { receipt: 'in:8', inputReceipts: ['in:8#0', 'in:8#1'] });
    const copy = batcher.submit([input], { receipt: 'sig:4', inputReceipts: ['in:8#0'] });
    const innocent = batcher.submit([event('pipelined', 'pipelined-3')], { receipt: 'sig:5', inputReceipts: ['in:9#0'] });
    const results = await Promise.allSettled([first, copy, innocent]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await repeats('pipelined')).toEqual({ children: 3, repeats: 0 });
  });

  it('refuses a copy whose input already committed, as committed, and commits the inputs batched with it', async () => {
    const batcher = runtime(10);
    const input = event('committed-copy', 'committed-copy-1');
    await batcher.submit([input], { receipt: 'in:10', inputReceipts: ['in:10#0'] });
    // Later, the second-hop copy arrives next to an innocent input: before, the commit's receipt
    // check failed the whole batch (DuplicateDeliveryError) and the innocent input was retried.
    const copy = batcher.submit([input], { receipt: 'sig:6', inputReceipts: ['in:10#0'] });
    const innocent = batcher.submit([event('committed-copy', 'committed-copy-2')], { receipt: 'sig:7', inputReceipts: ['in:11#0'] });
    const [refused, committed] = await Promise.allSettled([copy, innocent]);
    expect(refused).toEqual({ status: 'rejected', reason: expect.objectContaining({ name: 'DuplicateInputError', receipt: 'in:10#0', committed: true }) });
    expect(committed.status).toBe('fulfilled');
    expect(await repeats('committed-copy')).toEqual({ children: 2, repeats: 0 });
  });
});

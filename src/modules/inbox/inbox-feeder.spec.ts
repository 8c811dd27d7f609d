import type { Batcher } from '../../actors/batcher.js';
import type { Input, Outcome } from '../../correlation/inputs.js';
import { InboxFeeder, type FeederOptions } from './inbox-feeder.js';
import type { InboxRepository, InboxRow } from './inbox.repository.js';

/** An inbox in memory: rows 1..n, each an event input; what the feeder reads is recorded. */
function inboxOf(count: number) {
  const rows: InboxRow[] = Array.from({ length: count }, (_, i) => ({ position: i + 1, input: JSON.stringify({ type: 'event', n: i + 1 }) }));
  const pages: number[] = [];
  const repository = {
    cursor: () => Promise.resolve({ position: 0, correlatedAt: new Date(0) }),
    head: () => Promise.resolve(count),
    countAfter: (position: number) => Promise.resolve(rows.filter((r) => r.position > position).length),
    after: (position: number, limit: number) => {
      const page = rows.filter((r) => r.position > position).slice(0, limit);
      if (page.length > 0) pages.push(page.length);
      return Promise.resolve(page);
    },
  } as unknown as InboxRepository;
  return { repository, pages };
}

/** A batcher whose every batch takes `ms` of wall time. */
function batcherTaking(ms: number): { batcher: Batcher; batches: number[] } {
  const batches: number[] = [];
  const batcher = {
    submit: (inputs: Input[]) => {
      batches.push(inputs.length);
      return new Promise<Outcome[]>((resolve) => setTimeout(() => resolve(inputs.map(() => ({ incidentId: 'i' }) as Outcome)), ms));
    },
  } as unknown as Batcher;
  return { batcher, batches };
}

async function run(options: Partial<FeederOptions>, rows: number, forMs: number) {
  const { repository, pages } = inboxOf(rows);
  const { batcher, batches } = batcherTaking(20);
  const feeder = new InboxFeeder(repository, batcher, { pageSize: 500, retryDelayMs: 10, pollMs: 5, ...options }, () => Promise.resolve());
  await feeder.start();
  await new Promise((resolve) => setTimeout(resolve, forMs));
  await feeder.stop();
  return { pages, batches, correlated: feeder.status.correlated };
}

describe('InboxFeeder: intake first', () => {
  it('correlates in full pages when intake is quiet', async () => {
    const { pages, correlated } = await run({ intakeBusy: () => false, busyPageSize: 100, busyShare: 0.2, maxDeferMs: 1000 }, 2000, 300);
    expect(correlated).toBe(2000);
    expect(pages.every((size) => size === 500)).toBe(true);
  });

  it('while intake is busy, takes short pages and about its share of the time', async () => {
    // Each batch takes 20 ms: at a share of 0.2 a page starts about every 100 ms.
    const { pages, batches } = await run({ intakeBusy: () => true, busyPageSize: 100, busyShare: 0.2, maxDeferMs: 1000 }, 5000, 1000);
    expect(pages.every((size) => size === 100)).toBe(true);
    expect(batches.length).toBeGreaterThanOrEqual(5);
    expect(batches.length).toBeLessThanOrEqual(14);
  });

  it('does not hold back once correlation is behind', async () => {
    const { pages, correlated } = await run({ intakeBusy: () => true, behind: () => true, busyPageSize: 100, busyShare: 0.2, maxDeferMs: 1000 }, 2000, 300);
    expect(correlated).toBe(2000);
    expect(pages.every((size) => size === 500)).toBe(true);
  });
});

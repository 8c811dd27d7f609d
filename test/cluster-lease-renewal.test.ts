import pg from 'pg';
import { LeaseTable } from '../src/modules/cluster/lease.repository.js';
import { useMigratedDatabase } from './support/harness.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A commit of this instance share-locks the lease rows it writes under (its fence) for as long as
 * it runs. Renewal must keep extending every other lease meanwhile, on time, and leave the locked
 * one for later rather than wait for it: a commit holding one row longer than a lease used to
 * stall the whole renewal loop and let every lease lapse.
 */
describe('lease renewal while a commit holds a lease row', () => {
  const LEASE_MS = 1_000;
  const EVERY_MS = 250;
  let table: LeaseTable;
  let other: pg.Client;
  // Hooks run in the order they are declared: connections close before the suite drops the database.
  afterAll(async () => {
    await table?.close();
    await other?.end();
  });
  // The schema as the migrations make it, not a hand-written copy of the two lease tables.
  const suite = useMigratedDatabase();

  beforeAll(async () => {
    other = new pg.Client({ connectionString: suite.db.url });
    await other.connect();
    table = new LeaseTable(suite.db.url, 'me', LEASE_MS, LEASE_MS * 5, EVERY_MS);
    await table.ensure(4);
  });

  it('extends the other leases every tick and the locked one once the lock is gone', async () => {
    const claimed = await table.claim([0, 1, 2, 3]);
    expect([...claimed.keys()].sort()).toEqual([0, 1, 2, 3]);

    // Partition 1's row share-locked for 2.5 leases, as by a slow commit's fence.
    await other.query('BEGIN');
    await other.query('SELECT partition FROM partition_lease WHERE partition = 1 FOR SHARE');
    const ticks: Array<{ tookMs: number; leases: number[]; waiting: number[]; extendedMs: number; othersValid: boolean }> = [];
    const end = Date.now() + LEASE_MS * 2.5;
    while (Date.now() < end) {
      const startedAt = Date.now();
      const { leases, waiting, extendedMs } = await table.renew();
      const tookMs = Date.now() - startedAt;
      // Read on the locker's connection (a plain read does not wait for row locks).
      const valid = await other.query<{ partition: number }>(`SELECT partition FROM partition_lease WHERE owner = 'me' AND expires_at > now() ORDER BY partition`);
      ticks.push({
        tookMs,
        leases: [...leases.keys()].sort(),
        waiting: [...waiting.keys()].sort(),
        extendedMs,
        othersValid: [0, 2, 3].every((p) => valid.rows.some((r) => r.partition === p)),
      });
      await sleep(Math.max(0, EVERY_MS - tookMs));
    }
    await other.query('COMMIT');

    expect(ticks.length).toBeGreaterThanOrEqual(6);
    for (const tick of ticks) {
      // Never waits for the lock much longer than a tick: the loop keeps its pace.
      expect(tick.tookMs).toBeLessThan(EVERY_MS + 200);
      expect(tick.leases).toEqual([0, 2, 3]);
      // Still ours, not lost: left for the next tick.
      expect(tick.waiting).toEqual([1]);
      expect(tick.othersValid).toBe(true);
    }
    // The belief never outlasts the lease left waiting: its expiry passed during the lock.
    expect(ticks.at(-1)?.extendedMs).toBeLessThan(0);

    // Lock gone: the next renewal extends it again (nobody could take it meanwhile).
    const after = await table.renew();
    expect([...after.leases.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect(after.waiting.size).toBe(0);
    expect(after.extendedMs).toBeGreaterThan(LEASE_MS * 0.5);
  });
});

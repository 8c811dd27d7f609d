import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeliverPolicy, jetstream } from '@nats-io/jetstream';
import { verifyChains } from '../src/modules/audit/chain-verifier.js';
import { partitionOf } from '../src/modules/cluster/partitioning.js';
import { createDataSource } from '../src/modules/database/data-source.js';
import { ClusterNode, clusterEvent, clusterWorkload, freePort, sleep } from './cluster-support.js';
import { CHAIN_KEY, createTestDatabase, eventually, TEST_CHAIN_KEYS, TestNats, TOKEN_KEY, withClient, type TestDatabase } from './support/harness.js';

const SIGNATURES = 500;
const PER_SIGNATURE = 60;
const TOTAL = SIGNATURES * PER_SIGNATURE;
const PARTITIONS = 64;
const LEASE_MS = 3000;

interface Lease {
  partition: number;
  owner: string | null;
  epoch: string;
  valid: boolean;
}

/**
 * Three corral processes share one database, one NATS namespace and 64 partitions. Mid-stream one
 * is SIGKILLed (its leases must expire and be taken over) and another is SIGSTOPped past its lease
 * and woken again (a zombie: whatever it had in flight must be refused by the fencing check). Every
 * event is distinct, so an event applied twice would show as a repeat and one lost as a missing
 * child; every incident's tickets must reach the tickets stream once; every journal chain must hold.
 */
describe('cluster: three instances, one killed and one paused under load', () => {
  let db: TestDatabase;
  let nats: TestNats;
  const nodes: ClusterNode[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    nats = await TestNats.open();
  });

  afterAll(async () => {
    for (const node of nodes) {
      node.signal('SIGCONT');
      await node.stop('SIGKILL');
    }
    await nats?.jsm.streams.delete(nats.subjects.sigStream).catch(() => false);
    await nats?.close();
    await db?.drop();
  });

  const leases = () => withClient(db.url, async (c) => (await c.query<Lease>(`SELECT partition, owner, epoch, (owner IS NOT NULL AND expires_at > now()) AS valid FROM partition_lease ORDER BY partition`)).rows);
  const heldBy = (rows: Lease[]) => {
    const counts: Record<string, number> = {};
    for (const r of rows) if (r.owner && r.valid) counts[r.owner] = (counts[r.owner] ?? 0) + 1;
    return counts;
  };

  it('reflects every event exactly once, one incident per signature, no duplicate ticket, intact chains; reports failover time', async () => {
    const seed = Date.now() % 100_000;
    const common = {
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      CORRAL_TOKEN_KEY: TOKEN_KEY,
      CORRAL_CHAIN_KEY: CHAIN_KEY,
      LOG_LEVEL: 'warn',
      CORRAL_CLUSTER: 'on',
      CLUSTER_PARTITIONS: String(PARTITIONS),
      CLUSTER_LEASE_MS: String(LEASE_MS),
      // Short, so a killed instance's unacked messages come back quickly; redeliveries of messages
      // still waiting in a busy instance are part of what this test must survive.
      CLUSTER_ACK_WAIT_MS: '6000',
      NATS_ACK_WAIT_MS: '6000',
    };
    const dirs = [0, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'corral-cluster-')));
    for (let i = 0; i < 3; i++) nodes.push(new ClusterNode(`c${i}`, await freePort(), { ...common, CORRAL_DATA_DIR: dirs[i] }));
    const [c0, c1, c2] = nodes as [ClusterNode, ClusterNode, ClusterNode];
    // The first one migrates the fresh database and mints the admin key; the others join it.
    await c0.start();
    await Promise.all([c1.start(), c2.start()]);
    const adminKey = readFileSync(join(dirs[0], 'admin.key'), 'utf8').trim();

    // Balanced: 64 over 3 is 22/21/21, every lease valid.
    await eventually(leases, (rows) => Object.values(heldBy(rows)).sort().join(',') === '21,21,22', 30_000).catch((error: unknown) => {
      throw new Error(`${String(error).slice(0, 300)}\n${nodes.map((n) => `${n.id}: ${n.output.slice(-2000)}`).join('\n')}`);
    });
    const view = (await (await fetch(`${c1.baseUrl}/v1/cluster`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as {
      mode: string;
      instances: Array<{ id: string; live: boolean; partitions: number }>;
      partitions: Array<{ partition: number; owner: string; epoch: number; pending: number | null }>;
    };
    expect(view.mode).toBe('cluster');
    expect(view.instances.filter((i) => i.live).map((i) => i.id)).toEqual(['c0', 'c1', 'c2']);
    expect(view.partitions).toHaveLength(PARTITIONS);
    expect(view.partitions.every((p) => p.epoch >= 1 && p.pending !== null)).toBe(true);
    // The operator's view is for admins only.
    expect((await fetch(`${c1.baseUrl}/v1/cluster`)).status).toBe(401);

    const events = clusterWorkload(SIGNATURES, PER_SIGNATURE, seed);
    const js = jetstream(nats.nc);
    const subject = nats.subjects.in('canonical');
    let failoverMs = -1;
    let takeoverMs = -1;
    for (let i = 0; i < TOTAL; i += 500) {
      await Promise.all(events.slice(i, i + 500).map((e) => js.publish(subject, clusterEvent(e.system, e.id))));
      await sleep(60);
      if (i === 10_000) {
        expect(await c1.stop('SIGKILL')).toBe('SIGKILL');
        const killedAt = Date.now();
        // Reassigned: no valid lease names c1 and every partition has a live owner.
        await eventually(leases, (rows) => rows.every((r) => r.valid && r.owner !== 'c1'), 30_000);
        failoverMs = Date.now() - killedAt;
      }
      if (i === 20_000) {
        // The two left share the work evenly before the next fault, so the one paused has leases to lose.
        const before = await eventually(leases, (rows) => Object.values(heldBy(rows)).sort().join(',') === '32,32', 30_000);
        const zombieHeld = before.filter((r) => r.owner === 'c2' && r.valid).map((r) => r.partition);
        expect(zombieHeld.length).toBeGreaterThan(0);
        c2.signal('SIGSTOP');
        const stoppedAt = Date.now();
        // Past its lease: c0 must take c2's partitions over with a higher epoch while c2 sleeps.
        await eventually(leases, (rows) => zombieHeld.every((p) => rows[p]?.owner === 'c0' && rows[p].valid), 20_000);
        takeoverMs = Date.now() - stoppedAt;
        const during = await leases();
        for (const p of zombieHeld) expect(Number(during[p]?.epoch)).toBeGreaterThan(Number(before[p]?.epoch));
        c2.signal('SIGCONT');
      }
    }
    // The woken zombie rejoins and the two live instances rebalance to 32/32.
    const wokenAt = Date.now();
    await eventually(leases, (rows) => Object.values(heldBy(rows)).sort().join(',') === '32,32', 30_000);
    const rebalanceMs = Date.now() - wokenAt;
    console.log(
      `cluster failover (lease ${LEASE_MS} ms): SIGKILL to all ${PARTITIONS} partitions reassigned in ${failoverMs} ms; ` +
        `SIGSTOP to its partitions taken over in ${takeoverMs} ms; woken to 32/32 in ${rebalanceMs} ms`,
    );
    expect(failoverMs).toBeGreaterThan(0);
    expect(failoverMs).toBeLessThan(4 * LEASE_MS);

    const totals = () =>
      withClient(db.url, async (c) => (await c.query<{ children: number; repeats: number; forwards: number; pending: number; opened: number }>(
        `SELECT (SELECT count(*)::int FROM incident_child) AS children, (SELECT coalesce(sum(repeats), 0)::int FROM incident_child) AS repeats,
                (SELECT count(*)::int FROM outbox WHERE type = 'ticket.opened') AS opened,
                (SELECT count(*)::int FROM cluster_forward) AS forwards, (SELECT count(*)::int FROM outbox_delivery WHERE status = 'pending') AS pending`,
      )).rows[0]);
    // Done when every child is in and the helpdesk outbox is empty (tickets open after groupWait, 30 s).
    await eventually(totals, (t) => t?.children === TOTAL && t.forwards === 0 && t.opened === SIGNATURES && t.pending === 0, 120_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\nleases: ${JSON.stringify(heldBy(await leases()))}\nc0: ${c0.output.slice(-3000)}\nc2: ${c2.output.slice(-3000)}`);
    });
    const final = await totals();
    // Distinct events only: a second application would be a repeat, a lost one a missing child.
    expect({ seed, repeats: final?.repeats }).toEqual({ seed, repeats: 0 });

    const incidents = await withClient(db.url, async (c) =>
      (await c.query<{ signature: string; n: number; episodes: number; child_count: number }>(
        `SELECT signature, count(*)::int AS n, max(episode)::int AS episodes, sum(child_count)::int AS child_count FROM incident GROUP BY signature`,
      )).rows,
    );
    expect(incidents).toHaveLength(SIGNATURES);
    expect(incidents.filter((i) => i.n !== 1 || i.episodes !== 1 || i.child_count !== PER_SIGNATURE)).toEqual([]);

    // Tickets: one ticket.opened per incident in the outbox, and no event key twice on the stream.
    const opened = await withClient(db.url, async (c) => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE type = 'ticket.opened'`)).rows[0]?.n);
    expect(opened).toBe(SIGNATURES);
    const stream = await nats.jsm.streams.info(nats.subjects.ticketsStream);
    const keys: string[] = [];
    let openedOnStream = 0;
    const consumer = await js.consumers.get(nats.subjects.ticketsStream, { deliver_policy: DeliverPolicy.All });
    const batch = await consumer.fetch({ max_messages: stream.state.messages, expires: 5000 });
    for await (const m of batch) {
      const ticket = m.json<{ eventKey: string; type: string }>();
      keys.push(ticket.eventKey);
      if (ticket.type === 'ticket.opened') openedOnStream += 1;
      if (keys.length === stream.state.messages) break;
    }
    expect(keys.length).toBe(stream.state.messages);
    expect(keys.length - new Set(keys).size).toBe(0);
    expect(openedOnStream).toBe(SIGNATURES);

    // Journal chains, recomputed by the auditor's verifier (the same code as GET /v1/audit/verify).
    const ds = createDataSource(db.url);
    await ds.initialize();
    try {
      const report = await verifyChains(ds, { keys: TEST_CHAIN_KEYS, checkpointFile: join(tmpdir(), 'no-checkpoint-here') });
      expect(report.journal.firstBroken).toBeNull();
      expect(report.journal.chains).toBe(SIGNATURES);
    } finally {
      await ds.destroy();
    }

    // The killed instance's row is deleted once its heartbeat is 10 leases old (FORGET_AFTER_LEASES).
    const instanceIds = () => withClient(db.url, async (c) => (await c.query<{ id: string }>(`SELECT id FROM cluster_instance ORDER BY id`)).rows.map((r) => r.id));
    await expect(eventually(instanceIds, (ids) => !ids.includes('c1'), 10 * LEASE_MS)).resolves.toEqual(['c0', 'c2']);

    // A command sent to an instance that does not own the incident is forwarded to the owner, and
    // the answer is the owner's: the incident after the command, or its refusal.
    const owners = new Map((await leases()).filter((r) => r.valid).map((r) => [r.partition, r.owner]));
    const [target] = await withClient(db.url, async (c) => (await c.query<{ id: string; signature: string }>(`SELECT id, signature FROM incident WHERE status = 'open' ORDER BY id`)).rows)
      .then((rows) => rows.filter((r) => owners.get(partitionOf(r.signature, PARTITIONS)) === 'c0'));
    expect(target).toBeDefined();
    const acknowledge = () =>
      fetch(`${c2.baseUrl}/v1/incidents/${target?.id}/acknowledge`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ by: 'agent:kim' }),
      });
    const first = await acknowledge();
    expect({ status: first.status, incident: ((await first.json()) as { status: string }).status }).toEqual({ status: 200, incident: 'acknowledged' });
    const again = await acknowledge();
    expect({ status: again.status, message: ((await again.json()) as { message: string }).message }).toEqual({ status: 409, message: 'already acknowledged' });

    // Graceful handoff: SIGTERM exits 0 and gives the leases back (the last one out leaves none held).
    for (const node of [c2, c0]) {
      const code = await node.stop('SIGTERM');
      expect({ node: node.id, code, log: code === 0 ? '' : node.output.slice(-1500) }).toEqual({ node: node.id, code: 0, log: '' });
    }
    expect((await leases()).filter((r) => r.valid)).toEqual([]);
  }, 180_000);
});

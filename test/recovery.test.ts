import { eventIdToken } from '../src/correlation/privacy.js';
import { canonical, createTestDatabase, eventually, getJson, postJson, startCorral, TestNats, TOKEN_KEY, withClient } from './support/harness.js';

const idOf = (id: string) => eventIdToken(TOKEN_KEY, id);

interface Detail {
  status: string;
  childCount: number;
  children: Array<{ id: string; status: string; repeats: number }>;
}

describe('restart: actors hydrate from their snapshots', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let nats: TestNats;

  beforeAll(async () => {
    db = await createTestDatabase();
    nats = await TestNats.open();
  });

  afterAll(async () => {
    await nats?.close();
    await db?.drop();
  });

  it('continues an incident across a restart, with an unbroken journal chain', async () => {
    const env = { DATABASE_URL: db.url, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace };
    const a = canonical({ id: 'r-a', system: 'bca' });
    const b = canonical({ id: 'r-b', system: 'bca' });

    const first = await startCorral(env);
    const posted = await postJson<{ accepted: number }>(`${first.baseUrl}/v1/events?wait=correlated`, [a, b]);
    expect(posted.body.accepted).toBe(2);
    await first.close();

    const second = await startCorral(env);
    try {
      const repeat = await postJson<{ duplicates: number }>(`${second.baseUrl}/v1/events?wait=correlated`, a);
      expect(repeat.body.duplicates).toBe(1);
      await postJson(`${second.baseUrl}/v1/events?wait=correlated`, [
        { ...a, status: 'resolved', occurredAt: '2026-11-24T08:00:00.000Z' },
        { ...b, status: 'resolved', occurredAt: '2026-11-24T08:00:00.000Z' },
      ]);
      const list = await getJson<{ items: Array<{ id: string }> }>(`${second.baseUrl}/v1/incidents`);
      expect(list.body.items).toHaveLength(1);
      const detail = await getJson<Detail>(`${second.baseUrl}/v1/incidents/${list.body.items[0]?.id}`);
      expect(detail.body.status).toBe('resolved');
      // Children are kept under the keyed tokens of their ids.
      expect(detail.body.children.map((c) => [c.id, c.status, c.repeats]).sort()).toEqual(
        [
          // The resend of r-a after the restart is an exact one: the inbox kept it once, no repeat.
          [idOf('r-a'), 'resolved', 0],
          [idOf('r-b'), 'resolved', 0],
        ].sort(),
      );
    } finally {
      await second.close();
    }

    const rows = await withClient(db.url, async (c) =>
      (await c.query<{ seq: string; prev_hash: string; row_hash: string }>(`SELECT seq, prev_hash, row_hash FROM journal ORDER BY seq`)).rows,
    );
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
    rows.forEach((row, i) => expect(row.prev_hash).toBe(i === 0 ? '0'.repeat(64) : rows[i - 1]?.row_hash));
    expect(new Set(rows.map((r) => r.row_hash)).size).toBe(rows.length);
  });

  it('keeps the children a split moved and a merge brought in across a restart', async () => {
    const env = { DATABASE_URL: db.url, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace };
    const first = await startCorral(env);
    let splitId: string;
    let keptId: string;
    try {
      await postJson(`${first.baseUrl}/v1/events?wait=correlated`, ['s-1', 's-2', 's-3'].map((id) => canonical({ id, system: 'splitsys' })));
      await postJson(`${first.baseUrl}/v1/events?wait=correlated`, ['m-1', 'm-2'].map((id) => canonical({ id, system: 'mergesys' })));
      const list = await getJson<{ items: Array<{ id: string; system: string }> }>(`${first.baseUrl}/v1/incidents?status=open`);
      const bySystem = (system: string) => list.body.items.find((i) => i.system === system)?.id as string;
      keptId = bySystem('splitsys');
      const split = await postJson<Detail>(`${first.baseUrl}/v1/incidents/${keptId}/split`, { children: ['s-3'] });
      expect(split.status).toBe(200);
      const merged = await postJson<Detail>(`${first.baseUrl}/v1/incidents/${bySystem('mergesys')}/merge`, { into: keptId });
      expect(merged.status).toBe(200);
      const after = await eventually(
        () => getJson<{ items: Array<{ id: string; childCount: number; status: string }> }>(`${first.baseUrl}/v1/incidents?status=open`),
        (r) => r.body.items.length === 2 && r.body.items.some((i) => i.childCount === 4),
      );
      splitId = after.body.items.find((i) => i.id !== keptId)?.id as string;
    } finally {
      await first.close();
    }

    const second = await startCorral(env);
    try {
      const kept = await getJson<Detail>(`${second.baseUrl}/v1/incidents/${keptId}`);
      expect(kept.body.children.map((c) => c.id).sort()).toEqual(['m-1', 'm-2', 's-1', 's-2'].map(idOf).sort());
      const adopted = await getJson<Detail>(`${second.baseUrl}/v1/incidents/${splitId}`);
      expect(adopted.body.children.map((c) => c.id)).toEqual([idOf('s-3')]);
      // The actors themselves hydrate with those children: the next event lands next to them.
      await postJson(`${second.baseUrl}/v1/events?wait=correlated`, canonical({ id: 's-3', system: 'splitsys', status: 'resolved', occurredAt: '2026-11-24T09:00:00.000Z' }));
      const resolved = await eventually(() => getJson<Detail>(`${second.baseUrl}/v1/incidents/${splitId}`), (r) => r.body.status === 'resolved');
      expect(resolved.body.children.map((c) => [c.id, c.status])).toEqual([[idOf('s-3'), 'resolved']]);
    } finally {
      await second.close();
    }
  });

  it('refuses to alter or delete the journal', async () => {
    await withClient(db.url, async (c) => {
      await expect(c.query(`UPDATE journal SET kind = 'forged'`)).rejects.toThrow(/append-only/);
      await expect(c.query(`DELETE FROM journal`)).rejects.toThrow(/append-only/);
      await expect(c.query(`TRUNCATE journal`)).rejects.toThrow(/append-only/);
    });
  });
});

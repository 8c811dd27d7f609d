import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { KeyedChains1765400000000 } from '../migrations/1765400000000-keyed-chains.js';
import { canonicalJson } from '../src/actors/journal-chain.js';
import { AuditTrail } from '../src/modules/audit/audit-trail.js';
import { ChainCheckpoints } from '../src/modules/audit/chain-checkpoints.service.js';
import { verifyChains, type VerifyReport } from '../src/modules/audit/chain-verifier.js';
import { ENTITIES, MIGRATIONS } from '../src/modules/database/data-source.js';
import { createDataSource } from '../src/modules/database/data-source.js';
import { UnavailableError } from '../src/modules/http/domain-errors.js';
import { canonical, createTestDatabase, getJson, postJson, TEST_CHAIN_KEYS, useCorralSuite, useMigratedDatabase, withClient, type TestDatabase } from './support/harness.js';

const sha256Link = (prevHash: string, row: unknown) => createHash('sha256').update(prevHash).update(canonicalJson(row)).digest('hex');

/** What an attacker with the app's rights, or a superuser behind the triggers, runs. */
const asSuperuser = (url: string, sql: string, params: unknown[] = []) =>
  withClient(url, async (client) => {
    await client.query(`SET session_replication_role = replica`);
    return client.query(sql, params);
  });

describe('audit verify: stored bytes, every broken row, keyed links, checkpoints', () => {
  const checkpointFile = join(mkdtempSync(join(tmpdir(), 'corral-checkpoints-')), 'chain-checkpoints.jsonl');
  const suite = useCorralSuite({ CORRAL_CHAIN_CHECKPOINT_FILE: checkpointFile });
  let auditorKey: string;
  let agentKey: string;
  const verify = async () => (await getJson<VerifyReport>(`${suite.corral.baseUrl}/v1/audit/verify`, { key: auditorKey })).body;

  beforeAll(async () => {
    auditorKey = (await suite.corral.mintKey('auditor', { label: 'Privacy office' })).key;
    agentKey = (await suite.corral.mintKey('agent', { label: 'Service desk' })).key;
  });

  it('keeps the trail verifiable when an audited target or reason is cut in the middle of an emoji', async () => {
    const target = `${'A'.repeat(127)}😀😀`;
    const read = await fetch(`${suite.corral.baseUrl}/v1/incidents/${encodeURIComponent(target)}`, { headers: { authorization: `Bearer ${agentKey}` } });
    expect(read.status).toBeLessThan(500);

    const stored = await withClient(suite.db.url, async (c) => (await c.query<{ target: string }>(`SELECT target FROM audit WHERE target LIKE 'AAAA%'`)).rows);
    expect(stored).toHaveLength(1);
    expect(stored[0].target).toMatch(/^A{127}/);
    expect(stored[0].target).not.toContain('\ufffd');
    const report = await verify();
    expect(report.audit).toEqual(expect.objectContaining({ brokenRows: 0, firstBroken: null }));
    expect(report.ok).toBe(true);
  });

  it('keeps a journal chain verifiable when the helpdesk field is cut at 126 characters, in the middle of an emoji', async () => {
    const journalRows = async () => withClient(suite.db.url, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM journal`)).rows[0].n));
    const before = await journalRows();
    const sent = await postJson(`${suite.corral.baseUrl}/v1/ingest/helpdesk?wait=correlated`, { channel: 'email', text: 'the label printer on 4 west is down', requester: 'nurse@example.org', system: 'printing', helpdesk: `${'H'.repeat(126)}😀 desk` });
    expect(sent.status).toBe(202);

    // The field is no code, so corral keeps a keyed token of it (README, privacy table), not the text:
    // what matters here is that the report's rows were written and chain as stored.
    expect(await journalRows()).toBeGreaterThan(before);
    const report = await verify();
    expect(report.journal).toEqual(expect.objectContaining({ brokenRows: 0, firstBroken: null }));
    expect(report.ok).toBe(true);
  });

  it('appends concurrent audited requests in a few transactions, with ids that have no gaps', async () => {
    const before = await withClient(suite.db.url, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit`)).rows[0].n));
    const reads = await Promise.all(
      Array.from({ length: 150 }, (_, i) => fetch(`${suite.corral.baseUrl}/v1/incidents/00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, { headers: { authorization: `Bearer ${agentKey}` } })),
    );
    expect(reads.every((r) => r.status === 404)).toBe(true);

    const { rows, transactions, ids, span } = await withClient(suite.db.url, async (c) => {
      const r = await c.query<{ rows: string; transactions: string; ids: string; span: string }>(
        `SELECT count(*)::text AS rows, count(DISTINCT xmin::text)::text AS transactions, count(DISTINCT id)::text AS ids, (max(id) - min(id) + 1)::text AS span
           FROM audit WHERE action = 'incident.read' AND target LIKE '00000000-0000-4000-8000-%'`,
      );
      return r.rows[0];
    });
    expect(Number(rows)).toBe(150);
    // One transaction per request before: 150 commits in a row behind one lock.
    expect(Number(transactions)).toBeLessThan(50);
    expect(Number(ids)).toBe(150);
    const total = await withClient(suite.db.url, async (c) => (await c.query<{ n: string; span: string }>(`SELECT count(*)::text AS n, (max(id) - min(id) + 1)::text AS span FROM audit`)).rows[0]);
    expect(total.n).toBe(total.span);
    expect(Number(total.n)).toBeGreaterThanOrEqual(before + 150);
    expect(Number(span)).toBeGreaterThanOrEqual(150);
    expect((await verify()).ok).toBe(true);
  });

  it('reports an appended row carrying a correct unkeyed sha256 link as forged, in the audit trail and in the journal', async () => {
    await withClient(suite.db.url, async (c) => {
      const [head] = (await c.query<{ id: string; row_hash: string }>(`SELECT id::text AS id, row_hash FROM audit ORDER BY audit.id DESC LIMIT 1`)).rows;
      const id = String(BigInt(head.id) + 1n);
      const content = { id, recordedAt: '2026-12-05T10:00:00.000Z', actor: 'Service desk', actorKind: 'api-key', role: 'agent', action: 'incident.read', target: 'nothing-to-see', ruleId: null, outcome: 0, correlationId: 'forged', detail: {} };
      await c.query(
        `INSERT INTO audit (id, recorded_at, actor, actor_kind, role, action, target, rule_id, outcome, correlation_id, detail, prev_hash, row_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 0, $8, '{}', $9, $10)`,
        [id, content.recordedAt, content.actor, content.actorKind, content.role, content.action, content.target, content.correlationId, head.row_hash, sha256Link(head.row_hash, content)],
      );
      const [last] = (await c.query<{ signature: string; seq: string; row_hash: string; incident_id: string }>(`SELECT signature, seq::text, row_hash, incident_id FROM journal ORDER BY recorded_at DESC, seq DESC LIMIT 1`)).rows;
      const seq = Number(last.seq) + 1;
      const entry = { signature: last.signature, seq, kind: 'incident.resolved', incidentId: last.incident_id, correlationId: 'forged', at: '2026-12-05T10:00:00.000Z', data: { by: 'mallory' } };
      await c.query(
        `INSERT INTO journal (signature, seq, incident_id, kind, at, correlation_id, data, prev_hash, row_hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [last.signature, seq, last.incident_id, entry.kind, entry.at, entry.correlationId, entry.data, last.row_hash, sha256Link(last.row_hash, entry)],
      );
      return { id, signature: last.signature, seq };
    });

    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.audit.broken).toEqual([expect.objectContaining({ reason: expect.stringMatching(/without the chain key/) as unknown })]);
    expect(report.journal.broken).toEqual([expect.objectContaining({ reason: expect.stringMatching(/without the chain key/) as unknown })]);
  });

  it('reports every broken row, not only the first: listed up to 100, all counted; and a gap in ids', async () => {
    const ids = await withClient(suite.db.url, async (c) => (await c.query<{ id: string }>(`SELECT id::text AS id FROM audit WHERE action = 'incident.read' AND correlation_id <> 'forged' ORDER BY audit.id LIMIT 130`)).rows.map((r) => r.id));
    expect(ids.length).toBe(130);
    await asSuperuser(suite.db.url, `UPDATE audit SET actor = 'nobody' WHERE id = ANY($1::bigint[])`, [ids.slice(0, 120)]);
    await asSuperuser(suite.db.url, `DELETE FROM audit WHERE id = $1`, [ids[125]]);

    const report = await verify();
    expect(report.audit.brokenRows).toBe(120 + 1 + 1); // edited, after the hole, the forged one
    expect(report.audit.broken).toHaveLength(100);
    expect(report.audit.broken[0]).toEqual({ id: ids[0], reason: expect.stringMatching(/altered/) as unknown });
    const report2 = await verify();
    // Beyond the list, the count still names them; the gap is reported at the row after it.
    expect(report2.audit.brokenRows).toBe(report.audit.brokenRows);
    const all = await verifyChains(suite.corral.app.get(DataSource), { keys: TEST_CHAIN_KEYS, checkpointFile });
    expect(all.audit.brokenRows).toBe(122);
    await withClient(suite.db.url, async (c) => {
      const after = (await c.query<{ id: string }>(`SELECT id::text AS id FROM audit WHERE audit.id > $1 ORDER BY audit.id LIMIT 1`, [ids[125]])).rows[0].id;
      expect(after).toBe(ids[126]);
    });
  });
});

describe('audit verify against the latest signed checkpoint', () => {
  const checkpointFile = join(mkdtempSync(join(tmpdir(), 'corral-checkpoints-')), 'chain-checkpoints.jsonl');
  const suite = useCorralSuite({ CORRAL_CHAIN_CHECKPOINT_FILE: checkpointFile });

  it('reports the newest audit and journal rows removed after a checkpoint', async () => {
    const events = [1, 2, 3].map((n) => canonical({ id: `ris-${n}`, system: 'ris', errorSignature: 'HL7_TIMEOUT', facility: 'overlake' }));
    expect((await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, events)).status).toBe(202);
    for (let i = 0; i < 5; i++) expect((await getJson(`${suite.corral.baseUrl}/v1/incidents/00000000-0000-4000-8000-00000000000${i}`)).status).toBe(404);
    await suite.corral.app.get(ChainCheckpoints).publish();
    const clean = await verifyChains(suite.corral.app.get(DataSource), { keys: TEST_CHAIN_KEYS, checkpointFile });
    expect(clean.ok).toBe(true);
    expect(clean.checkpoint.at).not.toBeNull();

    // Remove the newest rows and make the rest agree: the chains alone look intact.
    await asSuperuser(suite.db.url, `DELETE FROM audit WHERE id > (SELECT max(id) - 3 FROM audit)`);
    const [chain] = (
      await asSuperuser(suite.db.url, `SELECT signature, max(seq)::text AS seq FROM journal GROUP BY signature ORDER BY max(seq) DESC LIMIT 1`)
    ).rows as Array<{ signature: string; seq: string }>;
    await asSuperuser(suite.db.url, `DELETE FROM journal WHERE signature = $1 AND seq = $2`, [chain.signature, chain.seq]);
    await asSuperuser(suite.db.url, `UPDATE actor_snapshot s SET seq = s.seq - 1, last_hash = j.row_hash FROM journal j WHERE s.signature = $1 AND j.signature = s.signature AND j.seq = s.seq - 1`, [chain.signature]);

    const report = await verifyChains(suite.corral.app.get(DataSource), { keys: TEST_CHAIN_KEYS, checkpointFile });
    expect(report.journal.brokenRows).toBe(0);
    expect(report.audit.brokenRows).toBe(0);
    expect(report.ok).toBe(false);
    expect(report.checkpoint.problems).toEqual([expect.stringMatching(/^audit: .*rows were removed/), expect.stringMatching(/^journal: .*1 removed/)]);
  });
});

describe('rows written before the chains were keyed', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('verify as legacy sha256 up to the migration point, and every later row must be keyed', async () => {
    db = await createTestDatabase();
    // The schema as it was before migration 1765400000000, with rows linked the old way.
    const old = new DataSource({ type: 'postgres', url: db.url, entities: ENTITIES, migrations: MIGRATIONS.filter((m) => m !== KeyedChains1765400000000), migrationsTransactionMode: 'each' });
    await old.initialize();
    await old.runMigrations();
    let prev = '0'.repeat(64);
    for (let id = 1; id <= 3; id++) {
      const content = { id: String(id), recordedAt: `2026-12-01T10:00:0${id}.000Z`, actor: 'old', actorKind: 'api-key', role: 'agent', action: 'incident.read', target: null, ruleId: null, outcome: 0, correlationId: `c${id}`, detail: {} };
      const rowHash = sha256Link(prev, content);
      await old.query(
        `INSERT INTO audit (id, recorded_at, actor, actor_kind, role, action, target, rule_id, outcome, correlation_id, detail, prev_hash, row_hash) VALUES ($1, $2, 'old', 'api-key', 'agent', 'incident.read', NULL, NULL, 0, $3, '{}', $4, $5)`,
        [id, content.recordedAt, content.correlationId, prev, rowHash],
      );
      prev = rowHash;
    }
    await old.destroy();
    dataSource = createDataSource(db.url, { poolSize: 2 });
    await dataSource.initialize();
    await dataSource.runMigrations();
    const trail = new AuditTrail(dataSource, TEST_CHAIN_KEYS);
    await Promise.all([1, 2, 3].map((n) => trail.record({ actor: 'new', actorKind: 'api-key', action: 'incident.read', outcome: 0, correlationId: `n${n}` })));
    const settings = { keys: TEST_CHAIN_KEYS, checkpointFile: join(tmpdir(), 'no-checkpoint-here') };

    const report = await verifyChains(dataSource, settings);
    expect(report.audit).toEqual(expect.objectContaining({ rows: 6, legacyRows: 3, brokenRows: 0 }));
    expect(report.ok).toBe(true);

    // After the switch, a row with an old-style link is a forgery, even with the right predecessor.
    const [head] = await dataSource.query<Array<{ row_hash: string }>>(`SELECT row_hash FROM audit ORDER BY id DESC LIMIT 1`);
    const content = { id: '7', recordedAt: '2026-12-05T10:00:00.000Z', actor: 'old', actorKind: 'api-key', role: 'agent', action: 'incident.read', target: null, ruleId: null, outcome: 0, correlationId: 'c7', detail: {} };
    await dataSource.query(
      `INSERT INTO audit (id, recorded_at, actor, actor_kind, role, action, target, rule_id, outcome, correlation_id, detail, prev_hash, row_hash) VALUES (7, $1, 'old', 'api-key', 'agent', 'incident.read', NULL, NULL, 0, 'c7', '{}', $2, $3)`,
      [content.recordedAt, head.row_hash, sha256Link(head.row_hash, content)],
    );
    await expect(dataSource.query(`INSERT INTO chain_legacy (trail, chain, last_seq) VALUES ('audit', '', 100)`)).rejects.toThrow(/fixed at migration/);
    const forged = await verifyChains(dataSource, settings);
    expect(forged.audit.broken).toEqual([{ id: '7', reason: expect.stringMatching(/without the chain key/) as unknown }]);
  });
});

describe('the audit trail queue', () => {
  const suite = useMigratedDatabase();
  const settings = { keys: TEST_CHAIN_KEYS, checkpointFile: join(tmpdir(), 'no-checkpoint-here') };
  // An outcome the table's CHECK refuses: a row the database cannot take.
  const record = (trail: AuditTrail, n: number, outcome = 0) => trail.record({ actor: 'queue', actorKind: 'api-key', action: 'incident.read', outcome: outcome as 0, correlationId: `q${n}` });

  it('refuses beyond its bound with 503 rather than serving unaudited, and a row the database cannot take fails alone', async () => {
    const trail = new AuditTrail(suite.dataSource, TEST_CHAIN_KEYS, { maxGroup: 4, maxQueued: 6 });
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, n) => record(trail, n, n === 2 ? 5 : 0)));

    // The first is taken at once; six wait; the last three find the queue full.
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected']);
    expect(results.slice(7).every((r) => r.status === 'rejected' && r.reason instanceof UnavailableError)).toBe(true);
    expect(results[2].status === 'rejected' && !(results[2].reason instanceof UnavailableError)).toBe(true);
    const report = await verifyChains(suite.dataSource, settings);
    expect(report.audit).toEqual(expect.objectContaining({ rows: 6, brokenRows: 0 }));
  });
});

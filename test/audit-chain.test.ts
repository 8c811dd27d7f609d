import { spawn } from 'node:child_process';
import { canonical, CHAIN_KEY, eventually, getJson, postJson, TOKEN_KEY, useCorralSuite, withClient } from './support/harness.js';

const CLI = new URL('../dist/src/cli/corral.js', import.meta.url).pathname;

interface VerifyReport {
  ok: boolean;
  journal: { rows: number; chains: number; brokenChains: number; firstBroken: { signature: string; seq: number; reason: string } | null };
  audit: { rows: number; firstBroken: { id: string; reason: string } | null };
}
interface TrailEntry {
  source: string;
  key: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: number;
  correlationId: string;
  ruleId: string | null;
}

function cliVerify(databaseUrl: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'audit', 'verify', '--json'], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, CORRAL_TOKEN_KEY: TOKEN_KEY, CORRAL_CHAIN_KEY: CHAIN_KEY, USER: 'auditor-on-call' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('audit trail and chain verification', () => {
  const suite = useCorralSuite();
  let agentKey: string;
  let auditorKey: string;
  let incidentId: string;
  let signature: string;

  beforeAll(async () => {
    agentKey = (await suite.corral.mintKey('agent', { label: 'Service desk' })).key;
    auditorKey = (await suite.corral.mintKey('auditor', { label: 'Privacy office' })).key;
    const events = [1, 2, 3].map((n) => canonical({ id: `pacs-${n}`, system: 'pacs', errorSignature: 'DICOM_TIMEOUT', facility: 'overlake' }));
    events.push(canonical({ id: 'lab-1', system: 'lab-interface', errorSignature: 'HL7_AE', facility: 'overlake' }));
    expect((await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, events)).status).toBe(202);
    const list = await getJson<{ items: Array<{ id: string; system: string; signature: string }> }>(`${suite.corral.baseUrl}/v1/incidents`);
    const pacs = list.body.items.find((i) => i.system === 'pacs');
    if (!pacs) throw new Error('no pacs incident');
    incidentId = pacs.id;
    signature = pacs.signature;
  });

  it('records a command as the authenticated caller acting for the named agent', async () => {
    const acked = await postJson<{ acknowledgedBy: string }>(`${suite.corral.baseUrl}/v1/incidents/${incidentId}/acknowledge`, { by: 'jdoe' }, { key: agentKey });

    expect(acked.status).toBe(200);
    expect(acked.body.acknowledgedBy).toBe('Service desk for jdoe');
    const trail = await getJson<{ items: TrailEntry[] }>(`${suite.corral.baseUrl}/v1/audit?target=${incidentId}&limit=1000`, { key: auditorKey });
    // The decision (journal) and the access (audit) both name who.
    expect(trail.body.items).toContainEqual(expect.objectContaining({ source: 'decision', action: 'incident.acknowledged', actor: 'Service desk for jdoe' }));
    expect(trail.body.items).toContainEqual(expect.objectContaining({ source: 'access', action: 'incident.acknowledge', actor: 'Service desk', outcome: 0 }));
  });

  it('audits a read of incident details with actor, target, outcome and correlation id, and audits reading the audit', async () => {
    const read = await fetch(`${suite.corral.baseUrl}/v1/incidents/${incidentId}`, { headers: { authorization: `Bearer ${agentKey}`, 'x-correlation-id': 'read-check-1' } });
    expect(read.status).toBe(200);

    const first = await getJson<{ items: TrailEntry[] }>(`${suite.corral.baseUrl}/v1/audit?action=incident.read&limit=1000`, { key: auditorKey });
    expect(first.body.items).toContainEqual(expect.objectContaining({ actor: 'Service desk', action: 'incident.read', target: incidentId, outcome: 0, correlationId: 'read-check-1' }));
    const again = await getJson<{ items: TrailEntry[] }>(`${suite.corral.baseUrl}/v1/audit?action=audit.read&limit=1000`, { key: auditorKey });
    expect(again.body.items).toContainEqual(expect.objectContaining({ actor: 'Privacy office', action: 'audit.read', outcome: 0 }));
  });

  it('lists the decisions of the journal with the rule that caused them', async () => {
    const trail = await getJson<{ items: TrailEntry[] }>(`${suite.corral.baseUrl}/v1/audit?source=decision&target=${incidentId}&limit=1000`, { key: auditorKey });

    expect(trail.body.items.length).toBeGreaterThanOrEqual(3);
    expect(trail.body.items.some((entry) => entry.ruleId !== null && /@\d+$/.test(entry.ruleId))).toBe(true);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the audit table, even to its owner', async () => {
    await withClient(suite.db.url, async (client) => {
      await expect(client.query(`UPDATE audit SET actor = 'someone else'`)).rejects.toThrow(/append-only: UPDATE refused/);
      await expect(client.query(`DELETE FROM audit`)).rejects.toThrow(/append-only: DELETE refused/);
      await expect(client.query(`TRUNCATE audit`)).rejects.toThrow(/append-only: TRUNCATE refused/);
      await expect(client.query(`DELETE FROM journal`)).rejects.toThrow(/append-only/);
    });
  });

  it('verifies both chains intact, over HTTP and from the CLI', async () => {
    const report = await getJson<VerifyReport>(`${suite.corral.baseUrl}/v1/audit/verify`, { key: auditorKey });

    expect(report.status).toBe(200);
    expect(report.body).toEqual(expect.objectContaining({ ok: true }));
    expect(report.body.journal.rows).toBeGreaterThanOrEqual(4);
    expect(report.body.journal.chains).toBeGreaterThanOrEqual(2);
    expect(report.body.audit.rows).toBeGreaterThanOrEqual(3);
    const cli = await cliVerify(suite.db.url);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.output.slice(cli.output.indexOf('{'))) as VerifyReport).toEqual(expect.objectContaining({ ok: true }));
  }, 60_000);

  it('names exactly the journal row a superuser edited behind the trigger', async () => {
    await withClient(suite.db.url, async (client) => {
      // What an attacker with superuser rights does: replica mode skips the append-only trigger.
      await client.query(`SET session_replication_role = replica`);
      const edited = await client.query(`UPDATE journal SET data = data || '{"by":"mallory"}' WHERE signature = $1 AND seq = 2`, [signature]);
      expect(edited.rowCount).toBe(1);
    });

    const report = await getJson<VerifyReport>(`${suite.corral.baseUrl}/v1/audit/verify`, { key: auditorKey });
    expect(report.body.ok).toBe(false);
    expect(report.body.journal.brokenChains).toBe(1);
    expect(report.body.journal.firstBroken).toEqual(expect.objectContaining({ signature, seq: 2, reason: expect.stringMatching(/altered/) }));
    expect(report.body.audit.firstBroken).toBeNull();
    const cli = await cliVerify(suite.db.url);
    expect(cli.code).toBe(1);
    expect((JSON.parse(cli.output.slice(cli.output.indexOf('{'))) as VerifyReport).journal.firstBroken).toEqual(expect.objectContaining({ signature, seq: 2 }));
  }, 60_000);

  it('names the audit row a superuser edited, and the gap a deleted one leaves', async () => {
    const ids = await withClient(suite.db.url, async (client) => (await client.query<{ id: string }>(`SELECT id::text AS id FROM audit ORDER BY audit.id`)).rows.map((r) => r.id));
    const victim = ids[1];
    await withClient(suite.db.url, async (client) => {
      await client.query(`SET session_replication_role = replica`);
      await client.query(`UPDATE audit SET actor = 'nobody' WHERE id = $1`, [victim]);
    });

    const edited = await eventually(() => getJson<VerifyReport>(`${suite.corral.baseUrl}/v1/audit/verify`, { key: auditorKey }), (r) => r.status === 200);
    expect(edited.body.audit.firstBroken).toEqual({ id: victim, reason: expect.stringMatching(/altered/) as unknown });

    await withClient(suite.db.url, async (client) => {
      await client.query(`SET session_replication_role = replica`);
      await client.query(`DELETE FROM audit WHERE id = $1`, [victim]);
    });
    const deleted = await getJson<VerifyReport>(`${suite.corral.baseUrl}/v1/audit/verify`, { key: auditorKey });
    // The row after the hole no longer links to its predecessor.
    expect(deleted.body.audit.firstBroken).toEqual({ id: ids[2], reason: expect.stringMatching(/prev_hash/) as unknown });
  });
});

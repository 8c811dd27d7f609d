import { spawn, spawnSync } from 'node:child_process';
import { RetentionJob } from '../src/modules/retention/retention-job.js';
import { canonical, CHAIN_KEY, getJson, postJson, startCorral, TOKEN_KEY, useCorralSuite, withClient } from './support/harness.js';

const CLI = new URL('../dist/src/cli/corral.js', import.meta.url).pathname;
const DAY = 86_400_000;

interface TimelineItem {
  kind: string;
  data: Record<string, unknown>;
}
interface VerifyReport {
  ok: boolean;
  journal: { rows: number; firstBroken: unknown };
  audit: { firstBroken: unknown };
}

function cli(databaseUrl: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, CORRAL_TOKEN_KEY: TOKEN_KEY, CORRAL_CHAIN_KEY: CHAIN_KEY, USER: 'records-officer' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('retention: the journal forgets free text by destroying keys, and its chains still verify', () => {
  const suite = useCorralSuite();
  const incidents: Record<'old' | 'recent' | 'open' | 'daily', { id: string; signature: string }> = {} as never;
  let requesterToken: string;

  const timeline = async (id: string) => (await getJson<{ items: TimelineItem[] }>(`${suite.corral.baseUrl}/v1/incidents/${id}/timeline?limit=500`)).body.items;
  const dataOf = async (id: string, kind: string) => (await timeline(id)).filter((e) => e.kind === kind).map((e) => e.data);
  const verify = async () => (await getJson<VerifyReport>(`${suite.corral.baseUrl}/v1/audit/verify`)).body;
  const sql = <T>(text: string, params: unknown[] = []) => withClient(suite.db.url, async (c) => (await c.query(text, params)).rows as T[]);
  /** Makes an incident look closed and untouched for `days` (what a year of waiting would do). */
  const age = (id: string, days: number) => sql(`UPDATE incident SET resolved_at = now() - $2 * interval '1 day', updated_at = now() - $2 * interval '1 day' WHERE id = $1`, [id, days]);

  beforeAll(async () => {
    const systems = { old: 'pacs', recent: 'lab-interface', open: 'ris', daily: 'epic-mar' } as const;
    const events = Object.entries(systems).map(([name, system]) =>
      canonical({ id: `${name}-1`, system, errorSignature: 'TIMEOUT', facility: 'overlake', symptom: `TITLE-${name} wristband printer silent`, requester: { token: `nurse.${name}@hospital.example` } }),
    );
    expect((await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, events)).status).toBe(202);
    const list = await getJson<{ items: Array<{ id: string; system: string; signature: string }> }>(`${suite.corral.baseUrl}/v1/incidents`);
    for (const [name, system] of Object.entries(systems)) {
      const found = list.body.items.find((i) => i.system === system);
      if (!found) throw new Error(`no ${system} incident`);
      incidents[name as keyof typeof incidents] = { id: found.id, signature: found.signature };
    }
    for (const name of ['old', 'recent', 'open', 'daily'] as const) {
      expect((await postJson(`${suite.corral.baseUrl}/v1/incidents/${incidents[name].id}/acknowledge`, { by: 'kim', note: `NOTE-${name} called the ward` })).status).toBe(200);
    }
    for (const name of ['old', 'recent', 'daily'] as const) {
      expect((await postJson(`${suite.corral.baseUrl}/v1/incidents/${incidents[name].id}/resolve`, { by: 'kim', note: `FIXED-${name} reseated cable` })).status).toBe(200);
    }
    [{ requester_token: requesterToken }] = await sql<{ requester_token: string }>(`SELECT requester_token FROM incident_child WHERE incident_id = $1`, [incidents.old.id]);
  });

  it('keeps titles, notes and requester tokens out of a pg_dump of the journal, and shows them in the timeline', async () => {
    const dump = spawnSync('pg_dump', ['--data-only', '--table=journal', '--table=journal_key', suite.db.url], { encoding: 'utf8' });
    expect(dump.status).toBe(0);
    expect(dump.stdout).toContain('incident.acknowledged');
    for (const secret of ['TITLE-old', 'NOTE-old', 'FIXED-old', 'wristband', requesterToken]) expect(dump.stdout).not.toContain(secret);

    expect(await dataOf(incidents.old.id, 'incident.opened')).toEqual([expect.objectContaining({ title: 'TITLE-old wristband printer silent', system: 'pacs' })]);
    expect(await dataOf(incidents.old.id, 'incident.acknowledged')).toEqual([expect.objectContaining({ note: 'NOTE-old called the ward' })]);
    // The resolution note goes to the helpdesk with the resolve, and is sealed in the journal like any note.
    expect(await dataOf(incidents.old.id, 'ticket.resolved')).toEqual([{ notify: [requesterToken], note: 'FIXED-old reseated cable' }]);
    expect((await verify()).ok).toBe(true);
  });

  it('purge --dry-run counts what it would forget and changes nothing', async () => {
    await age(incidents.old.id, 500);
    const before = new Date(Date.now() - 400 * DAY).toISOString();
    const run = await cli(suite.db.url, ['purge', '--before', before, '--dry-run', '--json']);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expect.objectContaining({ dryRun: true, incidents: 1 }));
    expect(await dataOf(incidents.old.id, 'incident.acknowledged')).toEqual([expect.objectContaining({ note: 'NOTE-old called the ward' })]);
  });

  it('purge --before forgets the old incident: timeline shows [forgotten], verify still ok, recent and open incidents untouched, hydration works', async () => {
    await sql(`INSERT INTO dead_letter (reason, source, subject, detail, body, received_at) VALUES ('invalid', 'canonical', 'x', 'd', 'old body', now() - interval '500 days'), ('invalid', 'canonical', 'x', 'd', 'new body', now())`);
    // The server that wrote the incident goes away (a year of passivation in a moment); purge runs beside the database.
    await suite.corral.close();
    const before = new Date(Date.now() - 400 * DAY).toISOString();
    const run = await cli(suite.db.url, ['purge', '--before', before, '--json']);

    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/forgetting 1 incident/);
    expect(run.stderr).toMatch(/incidents: 1\/1 forgotten/);
    expect(run.stderr).toMatch(/dead letters: 1\/1 deleted/);
    expect(JSON.parse(run.stdout)).toEqual(expect.objectContaining({ dryRun: false, incidents: 1, keysDestroyed: 1, snapshotsScrubbed: 1, deadLetters: 1, plaintextRowsKept: 0 }));
    expect(await sql(`SELECT body FROM dead_letter`)).toEqual([{ body: 'new body' }]);

    suite.corral = await startCorral({ DATABASE_URL: suite.db.url, NATS_URL: suite.nats.url, NATS_NAMESPACE: suite.nats.namespace });
    expect(await dataOf(incidents.old.id, 'incident.opened')).toEqual([expect.objectContaining({ title: '[forgotten]', system: 'pacs' })]);
    expect(await dataOf(incidents.old.id, 'incident.acknowledged')).toEqual([{ by: expect.stringContaining('kim') as string, note: '[forgotten]' }]);
    expect(await dataOf(incidents.old.id, 'ticket.resolved')).toEqual([{ notify: '[forgotten]', note: '[forgotten]' }]);
    const detail = await getJson<{ title: string; children: Array<{ requesterToken?: string }> }>(`${suite.corral.baseUrl}/v1/incidents/${incidents.old.id}`);
    expect(detail.body.title).toBe('[forgotten]');
    expect(detail.body.children.every((c) => c.requesterToken === undefined)).toBe(true);
    const [snapshot] = await sql<{ state: string }>(`SELECT state::text FROM actor_snapshot WHERE signature = $1`, [incidents.old.signature]);
    expect(snapshot.state).not.toContain('TITLE-old');
    expect(snapshot.state).not.toContain(requesterToken);

    expect(await dataOf(incidents.recent.id, 'incident.acknowledged')).toEqual([expect.objectContaining({ note: 'NOTE-recent called the ward' })]);
    expect(await dataOf(incidents.open.id, 'incident.opened')).toEqual([expect.objectContaining({ title: 'TITLE-open wristband printer silent' })]);
    const report = await verify();
    expect(report).toEqual(expect.objectContaining({ ok: true }));

    // Hydration from the scrubbed snapshot: a reopen by hand brings the incident back without its words, new notes are readable.
    expect((await postJson(`${suite.corral.baseUrl}/v1/incidents/${incidents.old.id}/reopen`, { by: 'kim', note: 'AGAIN-old back' })).status).toBe(200);
    expect(await dataOf(incidents.old.id, 'incident.reopened')).toEqual([expect.objectContaining({ note: 'AGAIN-old back' })]);
    expect(await dataOf(incidents.old.id, 'incident.acknowledged')).toEqual([expect.objectContaining({ note: '[forgotten]' })]);
    expect((await verify()).ok).toBe(true);

    const trail = await getJson<{ items: Array<{ actor: string; action: string; detail: Record<string, unknown> }> }>(`${suite.corral.baseUrl}/v1/audit?action=retention.purge`);
    expect(trail.body.items).toEqual([expect.objectContaining({ actor: 'cli:records-officer', action: 'retention.purge', detail: expect.objectContaining({ incidents: 1, keysDestroyed: 1 }) as unknown })]);
  });

  it('purge is idempotent: a second run finds nothing', async () => {
    const before = new Date(Date.now() - 400 * DAY).toISOString();
    const run = await cli(suite.db.url, ['purge', '--before', before, '--json']);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(expect.objectContaining({ incidents: 0, keysDestroyed: 0, deadLetters: 0 }));
    expect((await verify()).ok).toBe(true);
  });

  it('the daily pass in the server forgets what is past JOURNAL_RETENTION_DAYS and lets go of the actor and key it held', async () => {
    // This server holds the incident's actor and data key in memory.
    expect((await postJson(`${suite.corral.baseUrl}/v1/incidents/${incidents.daily.id}/reopen`, { by: 'kim', note: 'HELD-daily' })).status).toBe(200);
    expect((await postJson(`${suite.corral.baseUrl}/v1/incidents/${incidents.daily.id}/resolve`, { by: 'kim' })).status).toBe(200);
    await age(incidents.daily.id, 500);
    const report = await suite.corral.app.get(RetentionJob).run();

    // Two keys: each server that wrote to the incident made its own (journal-sealer.ts).
    expect(report).toEqual(expect.objectContaining({ incidents: 1, keysDestroyed: 2 }));
    expect(await dataOf(incidents.daily.id, 'incident.resolved')).toEqual([expect.objectContaining({ note: '[forgotten]' }), expect.objectContaining({ reason: 'command' })]);
    // The actor was live in this server: what it does next is written under a new key, readable.
    expect((await postJson(`${suite.corral.baseUrl}/v1/incidents/${incidents.daily.id}/reopen`, { by: 'kim', note: 'AGAIN-daily back' })).status).toBe(200);
    expect(await dataOf(incidents.daily.id, 'incident.reopened')).toEqual([expect.objectContaining({ note: '[forgotten]' }), expect.objectContaining({ note: 'AGAIN-daily back' })]);
    const [snapshot] = await sql<{ state: string }>(`SELECT state::text FROM actor_snapshot WHERE signature = $1`, [incidents.daily.signature]);
    expect(snapshot.state).not.toContain('TITLE-daily');
    expect((await verify()).ok).toBe(true);

    // A pass with nothing to do leaves no audit row; the one that forgot did.
    expect(await suite.corral.app.get(RetentionJob).run()).toEqual(expect.objectContaining({ incidents: 0 }));
    const trail = await getJson<{ items: Array<{ actor: string }> }>(`${suite.corral.baseUrl}/v1/audit?action=retention.purge&actor=corral:retention`);
    expect(trail.body.items).toHaveLength(1);
  });

  it('refuses a purge without a date, or with a date in the future', async () => {
    expect((await cli(suite.db.url, ['purge'])).code).toBe(2);
    expect((await cli(suite.db.url, ['purge', '--before', 'yesterday'])).code).toBe(2);
    expect((await cli(suite.db.url, ['purge', '--before', new Date(Date.now() + DAY).toISOString()])).code).toBe(2);
  });
});

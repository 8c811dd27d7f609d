import { spawn } from 'node:child_process';
import { jetstream } from '@nats-io/jetstream';
import { CHAIN_KEY, eventually, getJson, TOKEN_KEY, useCorralSuite, withClient } from '../support/harness.js';
import { fixture, holding } from './adapter-support.js';

const CLI = new URL('../../dist/src/cli/corral.js', import.meta.url).pathname;

interface Letter {
  id: string;
  reason: string;
  source: string;
  subject: string;
  receivedAt: string;
  body: string;
  replayOutcome: string | null;
}

function replay(env: Record<string, string>, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'dlq', 'replay', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('dead letters: listed, and replayed after a fix', () => {
  const suite = useCorralSuite();

  it('lists NATS failures with reason, source, time and scrubbed body, newest first, paginated', async () => {
    const js = jetstream(suite.nats.nc);
    const publish = (source: string, body: string) => js.publish(suite.nats.subjects.in(source), new TextEncoder().encode(body));
    await publish('helpdesk', JSON.stringify({ channel: 'fax', text: 'pt Sanford861, Carolee951 SSN 999-33-5538', requester: 'a' }));
    await publish('zabbix', '{"trigger": "disk full"}');
    await publish('alertmanager', '{"alerts": [');

    const page = await eventually(() => getJson<{ items: Letter[]; nextCursor: string | null }>(`${suite.corral.baseUrl}/v1/dead-letters?limit=2`), (r) => r.body.nextCursor !== null);
    const rest = await getJson<{ items: Letter[]; nextCursor: string | null }>(`${suite.corral.baseUrl}/v1/dead-letters?limit=2&cursor=${page.body.nextCursor}`);
    expect(rest.body.nextCursor).toBeNull();
    // Messages are handled concurrently, so arrival order is not publish order: newest first by id.
    const letters = [...page.body.items, ...rest.body.items];
    expect(letters.map((l) => Number(l.id))).toEqual(letters.map((l) => Number(l.id)).sort((a, b) => b - a));
    expect(letters.map((l) => `${l.source}:${l.reason}`).sort()).toEqual(['alertmanager:invalid', 'helpdesk:invalid', 'zabbix:unsupported-source']);
    const fax = letters.find((l) => l.source === 'helpdesk');
    expect(fax).toMatchObject({ source: 'helpdesk', reason: 'invalid', subject: suite.nats.subjects.in('helpdesk') });
    expect(JSON.parse(fax?.body ?? '')).toEqual({ channel: 'fax', text: 'pt [redacted:name] [redacted:ssn]', requester: 'a' });
    expect(Date.parse(fax?.receivedAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
    const filtered = await getJson<{ items: Letter[] }>(`${suite.corral.baseUrl}/v1/dead-letters?reason=unsupported-source`);
    expect(filtered.body.items.map((l) => l.source)).toEqual(['zabbix']);
  });

  it('replays letters whose adapter now exists, records every attempt, and leaves refused ones dead', async () => {
    // What the corral before source adapters wrote for an Alertmanager webhook: unsupported-source.
    await withClient(suite.db.url, (c) =>
      c.query(`INSERT INTO dead_letter (reason, source, subject, detail, body, received_at) VALUES ('unsupported-source', 'alertmanager', 'corral.in.alertmanager', 'no adapter', $1, now())`, [
        JSON.stringify(JSON.parse(fixture('alertmanager/webhook-v4-2.json'))),
      ]),
    );
    const { key } = await suite.corral.mintKey('ingest', { label: 'dlq replay' });
    const env = { DATABASE_URL: suite.db.url, CORRAL_URL: suite.corral.baseUrl, CORRAL_TOKEN_KEY: TOKEN_KEY, CORRAL_CHAIN_KEY: CHAIN_KEY, CORRAL_API_KEY: key, USER: 'night-shift' };

    const first = await replay(env, ['--reason', 'unsupported-source']);

    expect(first.output).toMatch(/replaying 2 dead letter\(s\)/);
    expect(first.output).toMatch(/\[\d\/2\] #\d+ unsupported-source zabbix: rejected \(404/);
    expect(first.output).toMatch(/\[2\/2\] #\d+ unsupported-source alertmanager: accepted/);
    expect(first.code).toBe(0);
    expect((await holding(suite, '28f16835c8dbbd06:2026-11-23T19:46:47Z')).incident.system).toBe('zebra-wristband');

    const again = await replay(env, ['--reason', 'unsupported-source']);
    expect(again.output).toMatch(/replaying 1 dead letter/);
    const all = await replay(env, []);
    expect(all.output).toMatch(/replaying 3 dead letter/);

    const audit = await withClient(suite.db.url, (c) =>
      c.query<{ source: string; outcome: string; by: string }>(`SELECT d.source, r.outcome, r.by FROM dead_letter_replay r JOIN dead_letter d ON d.id = r.dead_letter_id ORDER BY r.id`),
    );
    expect(audit.rows.map((r) => `${r.source}:${r.outcome}`).sort()).toEqual([
      'alertmanager:accepted', 'alertmanager:rejected', 'helpdesk:rejected', 'zabbix:rejected', 'zabbix:rejected', 'zabbix:rejected',
    ]);
    expect(new Set(audit.rows.map((r) => r.by))).toEqual(new Set(['night-shift']));
    const listed = await getJson<{ items: Letter[] }>(`${suite.corral.baseUrl}/v1/dead-letters?source=alertmanager`);
    expect(listed.body.items.map((l) => l.replayOutcome).sort()).toEqual(['accepted', 'rejected']);
  });
});

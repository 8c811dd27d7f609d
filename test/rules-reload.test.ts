import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../src/actors/clock.js';
import { shippedRulesDir } from '../src/modules/rules/rule-files.js';
import { ShadowRules } from '../src/modules/rules/shadow-rules.js';
import { apiFetch, canonical, CHAIN_KEY, createTestDatabase, getJson, postJson, startCorral, TestNats, TOKEN_KEY, withClient, type RunningCorral, type TestDatabase } from './support/harness.js';

const BIN = new URL('../bin/corral.js', import.meta.url).pathname;

const T0 = new Date('2026-11-24T07:00:00.000Z');

interface InForce {
  outcome?: string;
  sha256: string;
  rules: string[];
  loadedBy: string;
  problems?: string[];
}

/**
 * Rules change without a restart: an admin's POST /v1/rules/reload, SIGHUP, or the file itself
 * changing. What compiles takes over from the next batch; what does not is refused, naming the
 * problem, and the rules in force stay. Every load is on the audit trail.
 */
describe('rules reloaded without a restart', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let corral: RunningCorral;
  let dir: string;
  const clock = new ManualClock(T0);
  const routing = () => join(dir, '80-routing.yaml');
  const url = (path: string) => `${corral.baseUrl}${path}`;
  const queueOf = async (id: string, system: string) => {
    await postJson(url('/v1/events?wait=correlated'), [canonical({ id, system, errorSignature: 'JOB_FAILED', symptom: 'nightly job failed', severity: 'low' })]);
    const list = (await getJson<{ items: Array<{ system: string; queue: string }> }>(url(`/v1/incidents?limit=200`))).body;
    return list.items.find((i) => i.system === system)?.queue;
  };
  const audit = (action: string) =>
    withClient(db.url, async (c) => (await c.query<{ actor: string; outcome: number; detail: Record<string, unknown> }>(`SELECT actor, outcome, detail FROM audit WHERE action = $1 ORDER BY id`, [action])).rows);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corral-rules-'));
    cpSync(shippedRulesDir(), dir, { recursive: true });
    db = await createTestDatabase();
    nats = await TestNats.open();
    corral = await startCorral({ DATABASE_URL: db.url, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace, CORRAL_RULES_DIR: dir, TIMER_POLL_MS: '60000' }, { clock });
  });

  afterAll(async () => {
    await corral?.close();
    await nats?.close();
    await db?.drop();
  });

  it('puts an admin’s reload in force from the next event, and says unchanged when nothing changed', async () => {
    expect(await queueOf('before-1', 'payroll-batch')).toBe('service-desk');
    const before = (await getJson<InForce>(url('/v1/rules'))).body;
    writeFileSync(routing(), readFileSync(routing(), 'utf8').replace('routing:\n', 'routing:\n  - id: route.payroll\n    version: 1\n    when: { systems: [payroll-batch] }\n    queue: finance-apps\n'));

    const reloaded = await apiFetch(url('/v1/rules/reload'), { method: 'POST' });
    expect(reloaded.status).toBe(200);
    const body = (await reloaded.json()) as InForce;
    expect(body).toMatchObject({ outcome: 'loaded', loadedBy: expect.any(String) });
    expect(body.sha256).not.toBe(before.sha256);
    expect(body.rules).toContain('route.payroll@1');
    // A new incident on that system is routed by the new rule.
    expect(await queueOf('after-2', 'payroll-batch')).toBe('finance-apps');

    expect(((await (await apiFetch(url('/v1/rules/reload'), { method: 'POST' })).json()) as InForce).outcome).toBe('unchanged');
    const loads = await audit('rules.loaded');
    expect(loads.at(-1)?.detail).toMatchObject({ sha256: body.sha256, previous: before.sha256, rules: expect.arrayContaining(['route.payroll@1']) });
  });

  it('refuses rules that do not compile with 422 naming the problem, keeps the ones in force, and audits the refusal', async () => {
    const inForce = (await getJson<InForce>(url('/v1/rules'))).body;
    const good = readFileSync(routing(), 'utf8');
    writeFileSync(routing(), good.replace('queue: finance-apps', 'queue: Finance Apps'));
    try {
      const refused = await apiFetch(url('/v1/rules/reload'), { method: 'POST' });
      expect(refused.status).toBe(422);
      const body = (await refused.json()) as { message: string };
      expect(body.message).toMatch(/do not compile.*route\.payroll.*field "queue"/);
      expect((await getJson<InForce>(url('/v1/rules'))).body.sha256).toBe(inForce.sha256);
      expect((await audit('rules.refused')).at(-1)).toMatchObject({ outcome: 4, detail: { inForce: inForce.sha256 } });
    } finally {
      writeFileSync(routing(), good);
    }
  });

  it('reloads on SIGHUP and when a rule file changes', async () => {
    writeFileSync(routing(), readFileSync(routing(), 'utf8').replace('queue: finance-apps', 'queue: finance-desk'));
    process.emit('SIGHUP', 'SIGHUP');
    await waitFor(async () => (await getJson<InForce>(url('/v1/rules'))).body.loadedBy === 'signal:SIGHUP' || (await getJson<InForce>(url('/v1/rules'))).body.loadedBy === 'file-change');
    // The incident is routed again at its next event, by the rule now in force.
    expect(await queueOf('after-3', 'payroll-batch')).toBe('finance-desk');
    writeFileSync(routing(), readFileSync(routing(), 'utf8').replace('version: 1\n    when: { systems: [payroll-batch] }', 'version: 2\n    when: { systems: [payroll-batch] }'));
    await waitFor(async () => (await getJson<InForce>(url('/v1/rules'))).body.rules.includes('route.payroll@2'));
    // The rules are in force a moment before their load's audit row is written: wait for it too.
    await waitFor(async () => (await audit('rules.loaded')).some((r) => r.actor === 'file-change'));
    expect((await audit('rules.loaded')).map((r) => r.actor)).toEqual(expect.arrayContaining(['file-change']));
  });

  it('replays the recorded inbox through a candidate rule set and tells what it would decide differently (corral replay)', async () => {
    const candidate = mkdtempSync(join(tmpdir(), 'corral-candidate-'));
    cpSync(dir, candidate, { recursive: true });
    const file = join(candidate, '80-routing.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('queue: finance-desk', 'queue: finance-ops'));
    const { code, stdout, stderr } = await run([BIN, 'replay', '--rules', candidate, '--json'], { CORRAL_RULES_DIR: dir });
    expect([code, stderr]).toEqual([0, expect.any(String)]);
    const difference = JSON.parse(stdout) as { events: number; routing: Array<{ from: string; to: string; events: number }>; grouping: { agreement: number } };
    expect(difference.events).toBe(3);
    expect(difference.grouping.agreement).toBe(1);
    expect(difference.routing).toEqual([{ from: 'finance-desk', to: 'finance-ops', events: expect.any(Number) }]);

    const plain = await run([BIN, 'replay', '--rules', candidate], { CORRAL_RULES_DIR: dir });
    expect(plain.stdout).toMatch(/finance-desk → finance-ops/);
    expect(plain.stderr).toMatch(/replaying \d+ recorded input/);
    expect((await run([BIN, 'replay', '--rules', candidate, '--from', 'yesterday'], { CORRAL_RULES_DIR: dir })).code).toBe(2);
  });

  function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, CORRAL_TOKEN_KEY: TOKEN_KEY, CORRAL_CHAIN_KEY: CHAIN_KEY, CORRAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'corral-replay-cli-')), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }
});

describe('a candidate rule set in shadow beside the live one', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let corral: RunningCorral;

  beforeAll(async () => {
    // The shipped rules, and a site's directory after them: its routing is tried first.
    const site = mkdtempSync(join(tmpdir(), 'corral-shadow-'));
    writeFileSync(join(site, 'site.yaml'), 'routing:\n  - id: route.payroll\n    version: 1\n    when: { systems: [payroll-batch] }\n    queue: finance-apps\n');
    const candidate = `${shippedRulesDir()}:${site}`;
    db = await createTestDatabase();
    nats = await TestNats.open();
    corral = await startCorral({ DATABASE_URL: db.url, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace, CORRAL_SHADOW_RULES_DIR: candidate, TIMER_POLL_MS: '60000' }, { clock: new ManualClock(T0) });
  });

  afterAll(async () => {
    await corral?.close();
    await nats?.close();
    await db?.drop();
  });

  it('tells what the candidate would have decided on what arrived since, deciding nothing itself', async () => {
    for (const id of ['s-1', 's-2']) await postJson(`${corral.baseUrl}/v1/events?wait=correlated`, [canonical({ id, system: 'payroll-batch', errorSignature: 'JOB_FAILED', symptom: 'nightly job failed', severity: 'low' })]);
    await corral.app.get(ShadowRules).poll();
    const report = (await getJson<{ enabled: boolean; difference: { events: number; routing: Array<{ from: string; to: string; events: number }> } }>(`${corral.baseUrl}/v1/rules/shadow`)).body;
    expect(report).toMatchObject({ enabled: true, difference: { events: 2, routing: [{ from: 'service-desk', to: 'finance-apps', events: 2 }] } });
    // The live incident is the live rules' alone.
    const live = (await getJson<{ items: Array<{ system: string; queue: string }> }>(`${corral.baseUrl}/v1/incidents?limit=10`)).body.items;
    expect(live.find((i) => i.system === 'payroll-batch')?.queue).toBe('service-desk');
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('timed out');
}
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../src/actors/clock.js';
import { OutboxRelay } from '../src/modules/helpdesk/outbox-relay.js';
import { Timekeeper } from '../src/modules/runtime/timekeeper.js';
import { apiFetch, canonical, CHAIN_KEY, createTestDatabase, getJson, postJson, startCorral, TestNats, TOKEN_KEY, type RunningCorral, type TestDatabase } from './support/harness.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const T0 = new Date('2026-11-24T07:00:00.000Z');
const WEBHOOK_SECRET = 'blocked-lanes-test-secret-0123456789';
const BIN = new URL('../bin/corral.js', import.meta.url).pathname;

/** `corral deliveries …` as an operator runs it on the database host; its --json answer. */
function deliveriesCli(databaseUrl: string, args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'deliveries', ...args, '--json'], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, CORRAL_TOKEN_KEY: TOKEN_KEY, CORRAL_CHAIN_KEY: CHAIN_KEY, CORRAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'corral-lanes-cli-')), USER: 'ops' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`corral deliveries ${args.join(' ')} exited ${String(code)}: ${stderr}`))));
  });
}

/**
 * A delivery that went dead must hold back the incident's later events for that helpdesk: before,
 * the relay walked pending rows only, and the helpdesk got ticket.resolved for a ticket it never
 * got opened. A real webhook receiver fails once (maxAttempts 1: dead at once), then recovers.
 */
describe('a dead delivery blocks its lane', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let corral: RunningCorral;
  let helpdesk: WebhookReceiver;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    helpdesk = await new WebhookReceiver().start();
    helpdesk.failFirst = 1;
    const file = join(mkdtempSync(join(tmpdir(), 'corral-lanes-')), 'helpdesk.yaml');
    writeFileSync(file, [`webhooks:`, `  - { name: helpdesk, url: "${helpdesk.url}", format: corral, secretEnv: CORRAL_TEST_WEBHOOK_SECRET, queues: ["*"], timeout: 2s, maxAttempts: 1 }`, `relay: { backoffBase: 20ms, backoffMax: 200ms }`].join('\n'));
    db = await createTestDatabase();
    nats = await TestNats.open();
    corral = await startCorral({ DATABASE_URL: db.url, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace, CORRAL_HELPDESK_FILE: file, CORRAL_TEST_WEBHOOK_SECRET: WEBHOOK_SECRET, RELAY_POLL_MS: '60000', TIMER_POLL_MS: '60000' }, { clock });
  });

  afterAll(async () => {
    await corral?.close();
    await nats?.close();
    await db?.drop();
    await helpdesk?.stop();
  });

  it('holds ticket.resolved behind a dead ticket.opened, shows the lane, and delivers both in order once retried', async () => {
    const relay = corral.app.get(OutboxRelay);
    const url = (path: string) => `${corral.baseUrl}${path}`;
    await postJson(url('/v1/events?wait=correlated'), [canonical({ id: 'lane-1', system: 'epic-hyperspace', symptom: 'Epic Hyperspace unavailable', errorSignature: 'HTTP_503', severity: 'critical', patientImpact: true })]);
    clock.set(new Date(T0.getTime() + 60_000));
    await corral.app.get(Timekeeper).poll();
    await relay.pass();
    expect(helpdesk.requests.map((r) => r.status)).toEqual([503]);

    const { body: list } = await getJson<{ items: Array<{ id: string }> }>(url('/v1/incidents'));
    const incidentId = list.items[0]?.id ?? '';
    expect((await postJson(url(`/v1/incidents/${incidentId}/resolve`), { note: 'restarted' })).status).toBeLessThan(300);
    for (let i = 0; i < 3; i += 1) await relay.pass();
    // Nothing went out past the dead head.
    expect(helpdesk.requests).toHaveLength(1);

    const blocked = await getJson<Array<{ destination: string; incidentId: string; type: string; waiting: number }>>(url('/v1/deliveries/blocked'));
    expect(blocked.body).toEqual([expect.objectContaining({ destination: 'webhook:helpdesk', incidentId, type: 'ticket.opened', waiting: 1 })]);
    expect(await (await apiFetch(url('/metrics'))).text()).toMatch(/^corral_outbox_blocked_lanes 1$/m);
    // The command line shows the same lanes, without the server.
    expect(await deliveriesCli(db.url, ['blocked'])).toEqual(blocked.body);

    expect((await postJson<{ requeued: number }>(url('/v1/deliveries/retry'), { destination: 'webhook:helpdesk', incidentId })).body).toEqual({ requeued: 1 });
    for (let i = 0; i < 3; i += 1) await relay.pass();
    expect(helpdesk.accepted<{ type: string }>().map((r) => r.body.type)).toEqual(['ticket.opened', 'ticket.resolved']);
    expect(await (await apiFetch(url('/metrics'))).text()).toMatch(/^corral_outbox_blocked_lanes 0$/m);
    // The operator's action is on the audit trail.
    const trail = await getJson<{ items: Array<{ action: string }> }>(url('/v1/audit?source=access&action=deliveries.retry'));
    expect(trail.body.items).toHaveLength(1);
  }, 60_000);

  it('lets an operator skip a dead head instead: the events behind it go out, the skipped one stays listed as skipped', async () => {
    const relay = corral.app.get(OutboxRelay);
    const url = (path: string) => `${corral.baseUrl}${path}`;
    helpdesk.failFirst = helpdesk.requests.length + 1;
    await postJson(url('/v1/events?wait=correlated'), [canonical({ id: 'lane-2', system: 'pyxis', symptom: 'Pyxis cabinets offline', errorSignature: 'CONN_REFUSED', severity: 'critical', patientImpact: true })]);
    clock.set(new Date(T0.getTime() + 10 * 60_000));
    await corral.app.get(Timekeeper).poll();
    await relay.pass();
    const { body: blocked } = await getJson<Array<{ incidentId: string; type: string }>>(url('/v1/deliveries/blocked'));
    expect(blocked).toEqual([expect.objectContaining({ type: 'ticket.opened' })]);
    const incidentId = blocked[0]?.incidentId ?? '';
    expect((await postJson(url(`/v1/incidents/${incidentId}/resolve`), { note: 'back' })).status).toBeLessThan(300);
    await relay.pass();

    // From the command line this time, named: the HTTP route is the same repository call.
    expect(await deliveriesCli(db.url, ['skip', '--destination', 'webhook:helpdesk', '--incident', incidentId, '--as', 'oncall-7'])).toEqual({ skipped: 1 });
    for (let i = 0; i < 3; i += 1) await relay.pass();
    expect(helpdesk.accepted<{ type: string; incident: { id: string } }>().filter((r) => r.body.incident.id === incidentId).map((r) => r.body.type)).toEqual(['ticket.resolved']);
    expect((await getJson(url('/v1/deliveries/blocked'))).body).toEqual([]);
    const skipped = await getJson<{ items: Array<{ type: string }> }>(url('/v1/deliveries?status=skipped'));
    expect(skipped.body.items).toEqual([expect.objectContaining({ type: 'ticket.opened' })]);
    // Skipping again over HTTP finds nothing left to skip.
    expect((await postJson<{ skipped: number }>(url('/v1/deliveries/skip'), { destination: 'webhook:helpdesk', incidentId })).body).toEqual({ skipped: 0 });
    const trail = await getJson<{ items: Array<{ action: string; actor: string; target: string | null }> }>(url('/v1/audit?source=access&action=deliveries.skip'));
    expect(trail.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'cli:oncall-7', target: incidentId })]));
    expect(trail.body.items).toHaveLength(2);
  }, 60_000);
});

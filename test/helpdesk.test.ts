import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import type { TicketEvent } from '../src/correlation/tickets.js';
import { verifySignature } from '../src/modules/helpdesk/signature.js';
import { eventIdToken } from '../src/correlation/privacy.js';
import { clockAt, drainOutbox, startClockedCorral, stopClockedCorral, type ClockedCorral } from './support/clocked-corral.js';
import { canonical, getJson, postJson, TOKEN_KEY, withClient } from './support/harness.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const idOf = (id: string) => eventIdToken(TOKEN_KEY, id);

const SECRET = 'test-webhook-secret-0123456789abcdef';
interface Harness extends ClockedCorral {
  helpdesk: WebhookReceiver;
  oncall: WebhookReceiver;
}

/** corral on a manual clock, with a signed corral-format webhook and a Slack-format on-call channel. */
async function start(options: { failFirst?: number; relay?: string } = {}): Promise<Harness> {
  const helpdesk = await new WebhookReceiver().start();
  helpdesk.failFirst = options.failFirst ?? 0;
  const oncall = await new WebhookReceiver().start();
  const file = join(mkdtempSync(join(tmpdir(), 'corral-helpdesk-')), 'helpdesk.yaml');
  writeFileSync(
    file,
    [
      'webhooks:',
      `  - { name: helpdesk, url: "${helpdesk.url}", format: corral, secretEnv: CORRAL_TEST_WEBHOOK_SECRET, queues: ["*"], timeout: 2s, maxAttempts: 20 }`,
      'oncall:',
      `  - { name: major-slack, url: "${oncall.url}", format: slack, queues: [major-incident] }`,
      `relay: ${options.relay ?? '{ backoffBase: 20ms, backoffMax: 200ms }'}`,
    ].join('\n'),
  );
  return { ...(await startClockedCorral({ CORRAL_HELPDESK_FILE: file, CORRAL_TEST_WEBHOOK_SECRET: SECRET })), helpdesk, oncall };
}

async function stop(h: Harness | undefined): Promise<void> {
  await stopClockedCorral(h);
  await h?.helpdesk.stop();
  await h?.oncall.stop();
}

/** Moves the clock, fires due timers, and lets the relay drain whatever is due. */
const at = clockAt;
const drain = (h: Harness) => drainOutbox(h);

async function ticketsOnNats(h: Harness, subject: string): Promise<TicketEvent[]> {
  // NATS 2.9 has no filtered ordered consumers: read the whole stream and keep one subject.
  const count = (await h.nats.jsm.streams.info(h.nats.subjects.ticketsStream)).state.messages;
  const consumer = await jetstream(h.nats.nc).consumers.get(h.nats.subjects.ticketsStream);
  const events: TicketEvent[] = [];
  for (let i = 0; i < count; i++) {
    const m = await consumer.next({ expires: 2000 });
    if (m?.subject === subject) events.push(m.json<TicketEvent>());
  }
  return events;
}

const epicOutage = () => canonical({ id: 'probe-1', system: 'epic-hyperspace', facility: undefined, symptom: 'Epic Hyperspace unavailable', errorSignature: 'HTTP_503', severity: 'critical', patientImpact: true });
const FACILITIES = ['overlake', 'issaquah', 'kirkland'];
const report = (n: number) =>
  canonical({ id: `call-${n}`, kind: 'report', source: { type: 'helpdesk', system: 'phone-log' }, system: 'epic-hyperspace', facility: FACILITIES[n % 3], symptom: `Epic frozen, cannot chart (call ${n})`, errorSignature: undefined, severity: 'high', patientImpact: true, requester: { token: `clinician-${n % 120}@hospital.example` } });

describe('helpdesk tickets', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await stop(h);
    h = undefined;
  });

  it('turns a 500-report storm across 3 facilities into one ticket, a few updates and one resolve that notifies everyone', async () => {
    h = await start();
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, [epicOutage(), ...Array.from({ length: 60 }, (_, n) => report(n))]);
    await at(h, 1);
    await drain(h);
    // A wave of 40 calls every 10 s for two minutes; updateInterval (30 s) tells them in a few
    // updates. The helpdesk is not drained for the last waves: the two updates that queue up
    // meanwhile go out merged into one.
    for (let n = 60; n < 500; n += 40) {
      await at(h, 1 + (n - 40) / 240);
      await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, Array.from({ length: 40 }, (_, i) => report(n + i)).filter((r) => Number(String(r.id).slice(5)) < 500));
      if (n < 400) await drain(h);
    }
    await at(h, 4);
    await drain(h);
    const { body: list } = await getJson<{ items: Array<{ id: string; childCount: number; queue: string }> }>(`${h.corral.baseUrl}/v1/incidents`);
    expect(list.items).toHaveLength(1);
    expect(list.items[0]?.childCount).toBe(501);

    await postJson(`${h.corral.baseUrl}/v1/incidents/${list.items[0]?.id}/resolve`, { by: 'agent:kim' });
    await drain(h);

    const tickets = h.helpdesk.accepted<TicketEvent>();
    const types = tickets.map((t) => t.body.type);
    expect(types.filter((t) => t === 'ticket.opened')).toHaveLength(1);
    expect(types.filter((t) => t === 'ticket.resolved')).toHaveLength(1);
    expect(types.filter((t) => t === 'ticket.updated').length).toBeGreaterThanOrEqual(3);
    expect(types.filter((t) => t === 'ticket.updated').length).toBeLessThanOrEqual(6);
    // Before the resolve, the helpdesk had heard of every one of the 501 children.
    const told = tickets.filter((t) => t.body.type !== 'ticket.resolved').flatMap((t) => t.body.children.map((c) => c.id));
    expect(new Set(told).size).toBe(501);
    expect(types.at(-1)).toBe('ticket.resolved');
    expect(tickets[0]?.body.incident.queue).toBe('major-incident');
    const resolved = tickets.find((t) => t.body.type === 'ticket.resolved')?.body;
    expect(resolved?.notify).toHaveLength(120);
    expect(new Set(resolved?.notify).size).toBe(120);
    expect(resolved?.notify.every((token) => token.startsWith('rt_'))).toBe(true);
    for (const t of tickets) expect(verifySignature(SECRET, t.raw, String(t.headers['x-corral-signature']))).toBe(true);
    // NATS carries the same events, one message each.
    const onNats = await ticketsOnNats(h, h.nats.subjects.tickets('major-incident'));
    expect(onNats.map((t) => t.eventKey)).toEqual(tickets.map((t) => t.body.eventKey));
    // Every delivery row is settled: sent, or merged into a later update that was (superseded).
    const byStatus = await withClient(h.db.url, async (c) =>
      Object.fromEntries((await c.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM outbox_delivery GROUP BY status`)).rows.map((r) => [r.status, Number(r.n)])),
    );
    expect(byStatus.pending).toBeUndefined();
    expect(byStatus.superseded).toBeGreaterThan(0);
  });

  it('delivers every ticket event exactly once, in order, after the helpdesk comes back', async () => {
    h = await start({ failFirst: 5 });
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, [
      canonical({ id: 'a', system: 'pacs', errorSignature: 'DICOM_TIMEOUT' }),
      canonical({ id: 'b', system: 'lab-interface', kind: 'interface', errorSignature: 'AE:207' }),
    ]);
    await at(h, 1);
    const { body: list } = await getJson<{ items: Array<{ id: string }> }>(`${h.corral.baseUrl}/v1/incidents`);
    for (const incident of list.items) {
      await postJson(`${h.corral.baseUrl}/v1/incidents/${incident.id}/acknowledge`, { by: 'agent:kim' });
      await postJson(`${h.corral.baseUrl}/v1/incidents/${incident.id}/resolve`, { by: 'agent:kim' });
    }

    await drain(h);

    expect(h.helpdesk.requests.filter((r) => r.status === 503)).toHaveLength(5);
    const delivered = h.helpdesk.accepted<TicketEvent>();
    const keys = delivered.map((t) => t.body.eventKey);
    expect(new Set(keys).size).toBe(keys.length);
    for (const incident of list.items) {
      const own = delivered.filter((t) => t.body.incident.id === incident.id);
      expect(own.map((t) => t.body.type)).toEqual(['ticket.opened', 'ticket.updated', 'ticket.resolved']);
      const seqs = own.map((t) => Number(t.body.eventKey.split(':')[1]));
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    }
    for (const t of delivered) expect(verifySignature(SECRET, t.raw, String(t.headers['x-corral-signature']))).toBe(true);
    const dead = await getJson<{ items: unknown[] }>(`${h.corral.baseUrl}/v1/deliveries?status=dead`);
    expect(dead.body.items).toEqual([]);
  });

  it('merges queued updates without losing what one of them says: an acknowledgement ends the run', async () => {
    h = await start();
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, [canonical({ id: 'q-0', system: 'pacs', errorSignature: 'DICOM_TIMEOUT' })]);
    await at(h, 1); // the ticket opens; the relay does not run until drain()
    const { body: list } = await getJson<{ items: Array<{ id: string }> }>(`${h.corral.baseUrl}/v1/incidents`);
    const id = list.items[0]?.id;
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, [canonical({ id: 'q-1', system: 'pacs', errorSignature: 'DICOM_TIMEOUT' })]);
    await at(h, 2); // q-1 told: ticket.updated {}
    await postJson(`${h.corral.baseUrl}/v1/incidents/${id}/acknowledge`, { by: 'agent:kim' });
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, [canonical({ id: 'q-2', system: 'pacs', errorSignature: 'DICOM_TIMEOUT' })]);
    await at(h, 3); // q-2 told: ticket.updated {}

    await drain(h);

    const updates = h.helpdesk.accepted<TicketEvent>().filter((t) => t.body.type === 'ticket.updated').map((t) => t.body);
    expect(updates.map((u) => [u.details, u.children.map((c) => c.id)])).toEqual([
      [{ status: 'acknowledged' }, [idOf('q-1')]],
      [{}, [idOf('q-2')]],
    ]);
    const rows = await withClient(h.db.url, async (c) => (await c.query<{ status: string }>(`SELECT status FROM outbox_delivery d JOIN outbox o ON o.id = d.outbox_id WHERE o.type = 'ticket.updated' AND d.destination = 'webhook:helpdesk' ORDER BY o.id`)).rows);
    expect(rows.map((r) => r.status)).toEqual(['superseded', 'sent', 'sent']);
  });

  it('keeps delivering to NATS while a webhook that is down fills a whole pass with its backlog', async () => {
    // The helpdesk answers 503 to everything, and a failed delivery waits 10–20 minutes for its retry.
    h = await start({ failFirst: Number.POSITIVE_INFINITY, relay: '{ backoffBase: 20m, backoffMax: 20m }' });
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, Array.from({ length: 25 }, (_, n) => canonical({ id: `down-${n}`, system: `ris-router-${n}`, errorSignature: `DICOM_${n}` })));
    await at(h, 1);
    await h.relay.pass();
    const backlog = await withClient(h.db.url, async (c) =>
      (await c.query<{ destination: string; status: string; n: string }>(`SELECT destination, status, count(*) AS n FROM outbox_delivery WHERE attempts > 0 GROUP BY 1, 2 ORDER BY 1`)).rows,
    );
    expect(backlog).toEqual([
      { destination: 'nats', status: 'sent', n: '25' },
      { destination: 'webhook:helpdesk', status: 'pending', n: '25' },
    ]);
    // 25 lanes wait for their retry, their rows older than anything new: more than a pass takes.
    h.relay.lanesPerPass = 20;

    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, canonical({ id: 'new', system: 'pacs', errorSignature: 'DICOM_NEW' }));
    await at(h, 2);
    await h.relay.pass();

    const opened = (await ticketsOnNats(h, h.nats.subjects.tickets('application-support'))).filter((t) => t.type === 'ticket.opened');
    const firstChildren = opened.map((t) => t.children[0]?.id);
    expect(firstChildren).toHaveLength(26);
    expect(firstChildren.at(-1)).toBe(idOf('new'));
    // The helpdesk's own new lane is tried too; the waiting ones are not tried again early.
    const tried = h.helpdesk.requests.map((r) => (JSON.parse(r.body) as TicketEvent).children[0]?.id);
    expect(tried).toHaveLength(26);
    expect(tried.at(-1)).toBe(idOf('new'));
    expect(h.helpdesk.accepted()).toEqual([]);
  });

  it('publishes no duplicate when the relay dies between publishing and marking sent', async () => {
    h = await start();
    // The relay "dies" once: its first attempt to record a NATS delivery as sent is aborted.
    await withClient(h.db.url, async (c) => {
      await c.query(`CREATE SEQUENCE relay_fault`);
      await c.query(`
        CREATE FUNCTION relay_dies_once() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.status = 'sent' AND NEW.destination = 'nats' AND nextval('relay_fault') = 1 THEN RAISE EXCEPTION 'relay killed'; END IF;
          RETURN NEW;
        END $$`);
      await c.query(`CREATE TRIGGER relay_fault BEFORE UPDATE ON outbox_delivery FOR EACH ROW EXECUTE FUNCTION relay_dies_once()`);
    });
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, canonical({ id: 'a', system: 'pacs', errorSignature: 'DICOM_TIMEOUT' }));
    await at(h, 1);

    await drain(h);

    const faults = await withClient(h.db.url, async (c) => Number((await c.query<{ n: string }>(`SELECT last_value AS n FROM relay_fault`)).rows[0]?.n));
    expect(faults).toBeGreaterThanOrEqual(2);
    const onNats = await ticketsOnNats(h, h.nats.subjects.tickets('application-support'));
    expect(onNats.map((t) => t.type)).toEqual(['ticket.opened']);
    const keys = h.helpdesk.accepted<TicketEvent>().map((t) => t.body.eventKey);
    expect(new Set(keys).size).toBe(1);
  });

  it('escalates an unacknowledged P1 once per step to the on-call channel, and stops when acknowledged', async () => {
    h = await start();
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, epicOutage());
    await at(h, 1); // ticket opens: the major-incident steps are 5m, 15m, 30m from here
    for (const minute of [4, 7, 9, 12, 17]) {
      await at(h, minute);
      await drain(h);
    }
    const { body: list } = await getJson<{ items: Array<{ id: string }> }>(`${h.corral.baseUrl}/v1/incidents`);
    await postJson(`${h.corral.baseUrl}/v1/incidents/${list.items[0]?.id}/acknowledge`, { by: 'oncall:lee' });
    for (const minute of [32, 60]) {
      await at(h, minute);
      await drain(h);
    }

    const messages = h.oncall.accepted<{ text: string }>().map((m) => m.body.text);
    // Paged as the P1's ticket opened, then once per escalation step until acknowledged.
    expect(messages).toHaveLength(3);
    expect(messages[0]).toMatch(/\[P1\] epic-hyperspace: Epic Hyperspace unavailable\*\n/);
    expect(messages[1]).toMatch(/\[P1\] epic-hyperspace: Epic Hyperspace unavailable\* \(escalation step 1\)/);
    expect(messages[2]).toMatch(/escalation step 2/);
    expect(messages[1]).toContain('major-incident');
    expect(messages[1]).toContain(`/v1/incidents/${list.items[0]?.id}`);
    const onNats = await ticketsOnNats(h, h.nats.subjects.oncall('major-incident'));
    expect(onNats.map((t) => t.details.step)).toEqual([1, 2]);
  });

  it('takes acknowledge over NATS request/reply and records who did it', async () => {
    h = await start();
    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, canonical({ id: 'a', system: 'pacs', errorSignature: 'DICOM_TIMEOUT' }));
    const { body: list } = await getJson<{ items: Array<{ id: string }> }>(`${h.corral.baseUrl}/v1/incidents`);
    const id = list.items[0]?.id;
    const subject = `${h.nats.subjects.prefix}.cmd.incident.acknowledge`;

    const reply = await h.nats.nc.request(subject, JSON.stringify({ incidentId: id, by: 'servicenow:agent-7', note: 'looking' }), { timeout: 5000 });
    const bad = await h.nats.nc.request(subject, JSON.stringify({ incidentId: 'nope' }), { timeout: 5000 });

    // NATS permissions decide who may send commands; the record names the channel and the agent.
    expect(reply.json<{ status: string; acknowledgedBy: string }>()).toEqual(expect.objectContaining({ status: 'acknowledged', acknowledgedBy: 'nats for servicenow:agent-7' }));
    expect(bad.json<{ error: { statusCode: number; message: string } }>().error).toEqual(expect.objectContaining({ statusCode: 400, message: expect.stringMatching(/incidentId|by/) }));
    const timeline = await getJson<{ items: Array<{ kind: string; data: Record<string, unknown> }> }>(`${h.corral.baseUrl}/v1/incidents/${id}/timeline`);
    expect(timeline.body.items.find((e) => e.kind === 'incident.acknowledged')?.data).toEqual({ by: 'nats for servicenow:agent-7', note: 'looking' });
  });
});

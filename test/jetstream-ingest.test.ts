import { jetstream } from '@nats-io/jetstream';
import { canonical, eventually, getJson, inboxCorrelated, useCorralSuite, withClient } from './support/harness.js';

interface Incident {
  id: string;
  system: string;
  status: string;
  childCount: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SIGNATURES = 10;
const CHILDREN = 35;

/** A deterministic shuffle, so a failure reproduces. */
function shuffle<T>(items: T[], seed = 42): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * 100 messages per signature: 35 alerts firing, repeats of them, and resolves. Even signatures
 * resolve every alert (35 resolves, 30 repeats); odd ones resolve 20 (45 repeats), leaving 15 firing.
 */
function stormFor(signature: number): Record<string, unknown>[] {
  const system = `storm-${signature}`;
  const firing = (n: number) => canonical({ id: `a${n}`, system, occurredAt: `2026-11-24T07:${String(n).padStart(2, '0')}:00.000Z` });
  const resolve = (n: number) => ({ ...firing(n), status: 'resolved', occurredAt: '2026-11-24T09:00:00.000Z' });
  const resolves = signature % 2 === 0 ? CHILDREN : 20;
  const events = [...Array.from({ length: CHILDREN }, (_, n) => firing(n)), ...Array.from({ length: resolves }, (_, n) => resolve(n))];
  for (let r = 0; events.length < 100; r++) events.push(firing(r % CHILDREN));
  return events;
}

describe('ingest from NATS JetStream', () => {
  const suite = useCorralSuite({ BATCH_MAX_SIZE: '200', CORRAL_RULES_DIR: 'test/rules/steady' });

  it('folds 1,000 alerts for 10 signatures, with repeats and out-of-order resolves, into exactly 10 incidents', async () => {
    const js = jetstream(suite.nats.nc);
    const messages = shuffle(Array.from({ length: SIGNATURES }, (_, i) => stormFor(i)).flat());
    expect(messages).toHaveLength(1000);
    // Out of order for real: some resolve is delivered before the alert it resolves.
    const position = (id: unknown, system: unknown, status: string) =>
      messages.findIndex((m) => m.id === id && m.system === system && m.status === status);
    expect(messages.some((m) => m.status === 'resolved' && position(m.id, m.system, 'resolved') < position(m.id, m.system, 'firing'))).toBe(true);

    for (const message of messages) await js.publish(suite.nats.subjects.in('canonical'), encoder.encode(JSON.stringify(message)));

    await eventually(() => suite.nats.ingestConsumer(), (info) => info.num_pending === 0 && info.num_ack_pending === 0);
    // Acked means durable in the inbox; correlation follows.
    await inboxCorrelated(suite.db.url);
    const { body } = await getJson<{ items: Incident[] }>(`${suite.corral.baseUrl}/v1/incidents?limit=100`);
    const storm = body.items.filter((i) => i.system.startsWith('storm-'));
    expect(storm).toHaveLength(SIGNATURES);
    for (const incident of storm) {
      const n = Number(incident.system.split('-')[1]);
      expect(incident.childCount).toBe(CHILDREN);
      expect([incident.system, incident.status]).toEqual([incident.system, n % 2 === 0 ? 'resolved' : 'open']);
      const detail = await getJson<{ children: Array<{ status: string }> }>(`${suite.corral.baseUrl}/v1/incidents/${incident.id}`);
      expect(detail.body.children.filter((c) => c.status === 'firing')).toHaveLength(n % 2 === 0 ? 0 : CHILDREN - 20);
    }
    // Every one of the 1,000 messages is accounted for exactly once in the journal.
    const folded = await withClient(suite.db.url, (c) =>
      c.query<{ n: string }>(`SELECT count(*) AS n FROM journal WHERE kind LIKE 'child.%' AND signature LIKE 'storm-%'`),
    );
    // Every message journaled once, except the repeats (5 × 30 + 5 × 45): exact resends, which the
    // inbox kept once and never reached the correlator.
    expect(Number(folded.rows[0]?.n)).toBe(1000 - 375);
  });

  it('dead-letters invalid messages (unreadable, invalid, a lone surrogate) with their reason and terminates them', async () => {
    const js = jetstream(suite.nats.nc);
    const before = await suite.nats.ingestConsumer();

    await js.publish(suite.nats.subjects.in('canonical'), encoder.encode('{not json'));
    await js.publish(suite.nats.subjects.in('canonical'), encoder.encode(JSON.stringify(canonical({ severity: 'apocalyptic', symptom: 'SSN 999-33-5538' }))));
    // Valid UTF-8 and valid JSON, but the escape makes a string with a lone surrogate.
    await js.publish(suite.nats.subjects.in('canonical'), encoder.encode(JSON.stringify(canonical({ symptom: 'frozen \ud800 screen' }))));

    const letters = await eventually(
      async () => (await suite.nats.jsm.streams.info(suite.nats.subjects.dlqStream)).state.messages,
      (count) => count >= 3,
    );
    expect(letters).toBe(3);
    const consumer = await js.consumers.get(suite.nats.subjects.dlqStream);
    const bodies: Array<{ reason: string; subject: string; body: string }> = [];
    for (let i = 0; i < 3; i++) {
      const m = await consumer.next({ expires: 5000 });
      if (m) bodies.push(JSON.parse(decoder.decode(m.data)) as (typeof bodies)[number]);
    }
    expect(bodies.map((b) => b.subject)).toEqual(Array.from({ length: 3 }, () => suite.nats.subjects.in('canonical')));
    // Messages are handled concurrently, so their dead letters may be published in either order.
    const unreadable = bodies.find((b) => /not UTF-8 JSON/.test(b.reason));
    const invalid = bodies.find((b) => /severity/.test(b.reason));
    expect(unreadable).toBeDefined();
    expect(invalid).toBeDefined();
    expect(bodies.find((b) => /valid Unicode/.test(b.reason))).toBeDefined();
    expect(invalid?.body).not.toContain('999-33-5538');
    const dlqSubjects = await suite.nats.jsm.streams.info(suite.nats.subjects.dlqStream, { subjects_filter: '>' });
    expect(Object.keys(dlqSubjects.state.subjects ?? {})).toEqual([suite.nats.subjects.dlq('invalid')]);
    // Terminated, not redelivered: the consumer holds nothing and delivered each exactly once.
    const after = await eventually(() => suite.nats.ingestConsumer(), (info) => info.num_ack_pending === 0 && info.num_pending === 0);
    expect(after.delivered.consumer_seq - before.delivered.consumer_seq).toBe(3);
    expect(after.num_redelivered).toBe(0);
  });
});

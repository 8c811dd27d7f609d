import { jest } from '@jest/globals';
import { jetstream } from '@nats-io/jetstream';
import type { QueryResultRow } from 'pg';
import { Correlator } from '../src/actors/correlator.js';
import { IngestService } from '../src/modules/ingest/ingest.service.js';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canonical, CHAIN_KEY, childIdOf, eventually, inboxCorrelated, postJson, TOKEN_KEY, useCorralSuite, withClient, type TestDatabase } from './support/harness.js';

const execFileAsync = promisify(execFile);
const BIN = join(new URL('..', import.meta.url).pathname, 'bin', 'corral.js');

/** corral keeps ids as keyed tokens: the source id a kept token stands for. */
const sourceIdOf = (ids: string[], token: string) => ids.find((id) => childIdOf(id) === token) ?? token;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The database is made to refuse, for these suites only, any incident whose system starts with
 * `poison` and any child whose id holds `poison` (CHECK constraints: SQLSTATE 23514). Such an
 * event passes every check corral makes before the commit, now and after the boundary is
 * tightened, so these tests go on proving that a refused commit stays local.
 */
const refusePoison = (db: TestDatabase) =>
  withClient(db.url, async (c) => {
    await c.query(`ALTER TABLE incident ADD CONSTRAINT test_refuses_poison CHECK (system NOT LIKE 'poison%')`);
    await c.query(`ALTER TABLE incident_child ADD CONSTRAINT test_refuses_poison CHECK (id NOT LIKE '%poison%')`);
  });

const poison = (n: number) => canonical({ id: `poison-${n}`, system: `poison-${n}` });
/** Text a caller must never see: the database's own words about the refused rows. */
const DATABASE_WORDS = /violates|constraint|SQLSTATE|test_refuses|relation|Failing row/i;

describe('one sender’s event that PostgreSQL refuses, over HTTP', () => {
  const suite = useCorralSuite({ BATCH_MAX_DELAY_MS: '20' }, refusePoison);
  const childIds = (ids: string[]) =>
    withClient(suite.db.url, async (c) => (await c.query<{ id: string }>(`SELECT id FROM incident_child WHERE id = ANY($1::text[])`, [ids.map(childIdOf)])).rows.map((r) => sourceIdOf(ids, r.id)).sort());

  type Answer = { accepted?: number; rejected?: Array<{ index: number; reason: string }>; message?: string; correlated?: boolean; incidents?: Array<{ index: number; incidentId: string | null; setAside?: string }> };
  const setAsideOf = (a: { body: Answer }) => (a.body.incidents ?? []).flatMap((i) => (i.setAside ? [[i.index, i.setAside]] : []));
  const deadLetters = (reason: string) =>
    withClient(suite.db.url, async (c) => (await c.query<{ subject: string; body: string }>(`SELECT subject, body FROM dead_letter WHERE reason = $1 ORDER BY id`, [reason])).rows);

  it('sets the poison events aside alone, after their 202; every clean event of every sender beside them is correlated, none 5xx', async () => {
    // Read-your-writes, so that each answer says where its events landed.
    const url = `${suite.corral.baseUrl}/v1/events?wait=correlated`;
    // 40 senders with two clean events each, 6 sending one poison event, 6 sending clean, poison, clean.
    const clean = Array.from({ length: 40 }, (_, s) => [canonical({ id: `clean-${s}-a`, system: `ward-${s % 8}` }), canonical({ id: `clean-${s}-b`, system: `ward-${s % 8}` })]);
    const mixed = Array.from({ length: 6 }, (_, s) => [canonical({ id: `mixed-${s}-a`, system: 'lab-feed' }), poison(100 + s), canonical({ id: `mixed-${s}-b`, system: 'lab-feed' })]);
    const single = Array.from({ length: 6 }, (_, s) => poison(s));
    const requests = [...clean.map((body) => ({ kind: 'clean', body })), ...mixed.map((body) => ({ kind: 'mixed', body })), ...single.map((body) => ({ kind: 'single', body }))];
    // Interleaved, all at once: the poison events share inbox pages (and the batches behind them) with the clean ones.
    const order = requests.map((r, i) => ({ r, key: (i * 37) % requests.length })).sort((a, b) => a.key - b.key).map((x) => x.r);
    const answers = await Promise.all(order.map(async (r) => ({ kind: r.kind, ...(await postJson<Answer>(url, r.body)) })));

    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    for (const a of answers) expect(a.body.correlated).toBe(true);
    for (const a of answers.filter((x) => x.kind === 'clean')) expect([a.body.accepted, a.body.rejected, setAsideOf(a), a.body.incidents?.every((i) => i.incidentId !== null)]).toEqual([2, [], [], true]);
    for (const a of answers.filter((x) => x.kind === 'mixed')) {
      expect(a.body.accepted).toBe(3);
      expect(setAsideOf(a)).toEqual([[1, expect.stringMatching(/could not be stored/)]]);
      expect([a.body.incidents?.[0]?.incidentId, a.body.incidents?.[2]?.incidentId]).toEqual([expect.any(String), expect.any(String)]);
    }
    for (const a of answers.filter((x) => x.kind === 'single')) expect(setAsideOf(a)).toEqual([[0, expect.stringMatching(/could not be stored/)]]);
    for (const a of answers) expect(JSON.stringify(a.body)).not.toMatch(DATABASE_WORDS);

    const expected = [...clean.flat(), ...mixed.flatMap((m) => [m[0], m[2]])].map((e) => e?.id as string).sort();
    expect(await childIds([...expected, ...[...mixed.map((m) => m[1]), ...single].map((e) => e?.id as string)])).toEqual(expected);
    // Correlated: each ward's ten alerts (five senders, two each) folded into one open incident.
    const wards = await withClient(suite.db.url, async (c) => (await c.query<{ system: string; n: number }>(`SELECT system, child_count AS n FROM incident WHERE system LIKE 'ward-%' ORDER BY system`)).rows);
    expect(wards).toEqual(Array.from({ length: 8 }, (_, w) => ({ system: `ward-${w}`, n: 10 })));
    // Each poison event is a dead letter of its own, named by its inbox position, none of the clean ones.
    const letters = await eventually(() => deadLetters('unstorable'), (rows) => rows.length >= 12);
    expect(letters).toHaveLength(12);
    for (const letter of letters) expect(letter.subject).toMatch(/^inbox:\d+$/);
    for (const letter of letters) expect(letter.body).toMatch(/poison/);
  });

  it('puts the events it set aside back into the inbox on `corral dlq replay` once the cause is fixed, each once however often replayed', async () => {
    // The previous test left twelve poison events in the dead letters; the "fix" is the constraint going.
    await withClient(suite.db.url, async (c) => {
      await c.query(`ALTER TABLE incident DROP CONSTRAINT test_refuses_poison`);
      await c.query(`ALTER TABLE incident_child DROP CONSTRAINT test_refuses_poison`);
    });
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: suite.db.url, CORRAL_TOKEN_KEY: TOKEN_KEY, CORRAL_CHAIN_KEY: CHAIN_KEY, CORRAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'corral-replay-')), USER: 'ops' };
    const replay = async () => JSON.parse((await execFileAsync(process.execPath, [BIN, 'dlq', 'replay', '--reason', 'unstorable', '--json'], { env })).stdout) as { accepted: number; failed: number; attempts: Array<{ detail: string }> };

    const first = await replay();
    expect([first.accepted, first.failed]).toEqual([12, 0]);
    for (const attempt of first.attempts) expect(attempt.detail).toMatch(/^back in the inbox at position \d+$/);
    // The running corral picks the rows up like any other process's appends.
    await inboxCorrelated(suite.db.url);
    const poisons = [...Array.from({ length: 6 }, (_, s) => `poison-${s}`), ...Array.from({ length: 6 }, (_, s) => `poison-${100 + s}`)];
    expect(await childIds(poisons)).toEqual([...poisons].sort());
    // Accepted letters are not replayed again, and a second replay of the same letter would meet its key.
    expect((await replay()).attempts).toEqual([]);
    const inboxRows = await withClient(suite.db.url, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM inbox WHERE input LIKE '%poison%'`)).rows[0]?.n));
    expect(inboxRows).toBe(24);
  });

  it('sets aside alone, with its reason, an event whose correlation throws (a fault in a rule or the core)', async () => {
    const correlator = suite.corral.app.get(Correlator);
    const handle = correlator.handle.bind(correlator);
    const spy = jest.spyOn(correlator, 'handle').mockImplementation((input, world, now) => {
      if (input.type === 'event' && [childIdOf('bug-1'), childIdOf('bug-2')].includes(input.event.id)) throw new Error('a rule blew up');
      return handle(input, world, now);
    });
    try {
      const url = `${suite.corral.baseUrl}/v1/events?wait=correlated`;
      const [bug, mixed, other] = await Promise.all([
        postJson<Answer>(url, canonical({ id: 'bug-1', system: 'bug-sys' })),
        postJson<Answer>(url, [canonical({ id: 'bug-2', system: 'bug-sys' }), canonical({ id: 'beside-bug', system: 'bug-sys' })]),
        postJson<Answer>(url, canonical({ id: 'other-sender', system: 'pharmacy' })),
      ]);
      expect([bug.status, setAsideOf(bug)]).toEqual([202, [[0, expect.stringMatching(/could not be correlated/)]]]);
      expect([mixed.status, setAsideOf(mixed), mixed.body.incidents?.[1]?.incidentId]).toEqual([202, [[0, expect.stringMatching(/could not be correlated/)]], expect.any(String)]);
      expect([other.status, other.body.incidents?.[0]?.incidentId]).toEqual([202, expect.any(String)]);
      expect(JSON.stringify([bug.body, mixed.body])).not.toMatch(/blew up/);
    } finally {
      spy.mockRestore();
    }
  });
});

/** The database is unavailable (SQLSTATE 57P01, not the data's fault) for the first three commits of `flaky-sys`. */
const flakyDatabase = (db: TestDatabase) =>
  withClient(db.url, async (c) => {
    await c.query(`CREATE SEQUENCE test_flaky_seq`);
    await c.query(`
      CREATE FUNCTION test_flaky() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.system = 'flaky-sys' AND nextval('test_flaky_seq') <= 3 THEN RAISE EXCEPTION 'going away' USING ERRCODE = '57P01'; END IF;
        RETURN NEW;
      END $$`);
    await c.query(`CREATE TRIGGER test_flaky BEFORE INSERT ON incident FOR EACH ROW EXECUTE FUNCTION test_flaky()`);
  });

describe('one message that can never be processed, over NATS', () => {
  const suite = useCorralSuite({ BATCH_MAX_DELAY_MS: '20', NATS_MAX_DELIVER: '3', NATS_RETRY_DELAY_MS: '100' }, refusePoison);
  const query = <T extends QueryResultRow>(sql: string, params: unknown[] = []) => withClient(suite.db.url, async (c) => (await c.query<T>(sql, params)).rows);

  it('sets aside an inbox row that breaks every batch it is in (tried alone a few times first), and correlates the rows behind it', async () => {
    // Not what intake appends (its instants are not instants): a row written by hand, or by a bug.
    const event = { ...canonical({ id: 'broken-row', system: 'broken-sys' }), id: childIdOf('broken-row'), occurredAt: '[redacted:date]', receivedAt: '[redacted:date]', correlationId: randomUUID() };
    await query(`SELECT * FROM corral_inbox_append($1::uuid[], $2::text[])`, [[randomUUID()], [JSON.stringify({ type: 'event', event })]]);
    await postJson(`${suite.corral.baseUrl}/v1/events`, [canonical({ id: 'behind-broken-1', system: 'broken-sys' }), canonical({ id: 'behind-broken-2', system: 'other-sys' })]);

    const letters = await eventually(() => query<{ reason: string; subject: string }>(`SELECT reason, subject FROM dead_letter WHERE body LIKE '%broken-sys%'`), (rows) => rows.length > 0);
    expect(letters).toEqual([{ reason: 'unprocessable', subject: expect.stringMatching(/^inbox:\d+$/) }]);
    await inboxCorrelated(suite.db.url);
    const kept = await query<{ id: string }>(`SELECT id FROM incident_child WHERE id = ANY($1::text[])`, [['behind-broken-1', 'behind-broken-2', 'broken-row'].map(childIdOf)]);
    expect(kept.map((r) => r.id).sort()).toEqual(['behind-broken-1', 'behind-broken-2'].map(childIdOf).sort());
  });

  it('dead-letters a message whose event the database refuses, at once and alone; the messages beside it commit', async () => {
    const js = jetstream(suite.nats.nc);
    const before = await suite.nats.ingestConsumer();
    const clean = Array.from({ length: 20 }, (_, i) => canonical({ id: `nats-clean-${i}`, system: 'nats-ward' }));
    const messages = [...clean.slice(0, 10), poison(500), ...clean.slice(10)];
    await Promise.all(messages.map((e) => js.publish(suite.nats.subjects.in('canonical'), encoder.encode(JSON.stringify(e)))));

    const after = await eventually(() => suite.nats.ingestConsumer(), (info) => info.num_ack_pending === 0 && info.num_pending === 0 && info.delivered.consumer_seq - before.delivered.consumer_seq >= 21);
    expect(after.delivered.consumer_seq - before.delivered.consumer_seq).toBe(21);
    const sent = [...clean.map((e) => e.id as string), 'poison-500'];
    // Acked once durable in the inbox; correlation (and the poison's dead letter) follows.
    const letters = await eventually(() => query<{ reason: string; detail: string; body: string }>(`SELECT reason, detail, body FROM dead_letter WHERE body LIKE '%poison-500%'`), (rows) => rows.length > 0);
    const kept = await query<{ id: string }>(`SELECT id FROM incident_child WHERE id = ANY($1::text[])`, [sent.map(childIdOf)]);
    expect(kept.map((r) => sourceIdOf(sent, r.id)).sort()).toEqual(clean.map((e) => e.id as string).sort());
    expect(letters.map((l) => l.reason)).toEqual(['unstorable']);
    expect(letters[0]?.detail).not.toMatch(DATABASE_WORDS);
    const dlq = await suite.nats.jsm.streams.info(suite.nats.subjects.dlqStream, { subjects_filter: '>' });
    expect(dlq.state.subjects?.[suite.nats.subjects.dlq('unstorable')]).toBe(1);
  });

  it('dead-letters a message that failed on every one of NATS_MAX_DELIVER deliveries, and processes the messages behind it', async () => {
    const ingest = suite.corral.app.get(IngestService);
    const parse = ingest.parse.bind(ingest);
    let attempts = 0;
    // A fault of corral's own on this one message, every time: before, it came back every second, forever.
    const spy = jest.spyOn(ingest, 'parse').mockImplementation((raw, correlationId) => {
      if ((raw as { id?: string }).id === 'always-fails') {
        attempts += 1;
        throw new Error('injected fault');
      }
      return parse(raw, correlationId);
    });
    try {
      const js = jetstream(suite.nats.nc);
      await js.publish(suite.nats.subjects.in('canonical'), encoder.encode(JSON.stringify(canonical({ id: 'always-fails', system: 'loop-sys' }))));
      for (let i = 0; i < 5; i++) await js.publish(suite.nats.subjects.in('canonical'), encoder.encode(JSON.stringify(canonical({ id: `behind-${i}`, system: 'loop-sys' }))));

      const letters = await eventually(
        () => query<{ reason: string; detail: string }>(`SELECT reason, detail FROM dead_letter WHERE body LIKE '%always-fails%'`),
        (rows) => rows.length > 0,
      );
      expect(letters.map((l) => l.reason)).toEqual(['max-deliveries']);
      expect(attempts).toBe(3);
      await eventually(() => suite.nats.ingestConsumer(), (info) => info.num_ack_pending === 0 && info.num_pending === 0);
      await eventually(() => query<{ id: string }>(`SELECT id FROM incident_child WHERE id = ANY($1::text[])`, [[0, 1, 2, 3, 4].map((i) => childIdOf(`behind-${i}`))]), (rows) => rows.length === 5);
      // Terminated: it does not come back.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(attempts).toBe(3);
      const dlq = await suite.nats.jsm.streams.info(suite.nats.subjects.dlqStream, { subjects_filter: '>' });
      expect(dlq.state.subjects?.[suite.nats.subjects.dlq('max-deliveries')]).toBe(1);
      const message = await (await js.consumers.get(suite.nats.subjects.dlqStream)).next({ expires: 2000 });
      expect(message && decoder.decode(message.data)).toBeTruthy();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('a message failing past NATS_MAX_DELIVER because the database was down', () => {
  const suite = useCorralSuite({ BATCH_MAX_DELAY_MS: '20', NATS_MAX_DELIVER: '2', NATS_RETRY_DELAY_MS: '100' }, flakyDatabase);

  it('is acked once durable in the inbox; its correlation is retried from the inbox, not dead-lettered, and commits once when the database is back', async () => {
    const js = jetstream(suite.nats.nc);
    await js.publish(suite.nats.subjects.in('canonical'), encoder.encode(JSON.stringify(canonical({ id: 'flaky-1', system: 'flaky-sys' }))), { msgID: 'producer-id-1' });
    await eventually(
      () => withClient(suite.db.url, async (c) => (await c.query(`SELECT 1 FROM incident_child WHERE id = $1`, [childIdOf('flaky-1')])).rowCount),
      (n) => n === 1,
    );
    // Delivered once: the message was acked when its event was durable in the inbox; the three
    // failed commits were the feeder's, retried from the committed cursor, and the fourth took it.
    const info = await eventually(() => suite.nats.ingestConsumer(), (i) => i.num_ack_pending === 0 && i.num_pending === 0);
    expect([info.delivered.consumer_seq, info.delivered.stream_seq, info.config.max_deliver]).toEqual([1, 1, -1]);
    expect(await withClient(suite.db.url, async (c) => Number((await c.query<{ n: string }>(`SELECT last_value AS n FROM test_flaky_seq`)).rows[0]?.n))).toBe(4);
    expect(await withClient(suite.db.url, async (c) => (await c.query(`SELECT 1 FROM dead_letter`)).rowCount)).toBe(0);
    expect((await suite.nats.jsm.streams.info(suite.nats.subjects.dlqStream)).state.messages).toBe(0);
  });
});

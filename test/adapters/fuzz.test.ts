import { jetstream } from '@nats-io/jetstream';
import fc from 'fast-check';
import { canonical, childIdOf, eventually, getJson, postJson, withClient, useCorralSuite } from '../support/harness.js';
import { post, settled } from './adapter-support.js';
import { ROUTES, type Route } from './route-payloads.js';

// Hostile and careless input, generated, against every ingest route over HTTP and over NATS, each
// sent beside a clean event of another sender. What must hold whatever arrives: no answer is a 5xx;
// the clean event is accepted and correlated; over NATS the hostile message is acked or dead-lettered
// (the consumer settles, nothing is redelivered for ever); and the audit chain still verifies.
// Seeded and bounded, so that a failure replays and the suite stays under a minute.

const SEED = 21_2026;

/** Text built to break storage, clamps and parsers. */
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom('\u0000', 'a\u0000b', 'x\u0007\u001b[2J', '\u0085\u009b', '\ud800', 'tail \udfff', '\ud83d', '\uFFFD', '\uFEFF', 'e\u0301', '👩‍⚕️', '🇫🇷', '\r\n', '|^~\\&'),
  // An emoji, a ZWJ sequence, a flag or a combining accent straddling each length limit corral cuts at.
  fc
    .tuple(fc.constantFrom(63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513, 1999, 2000), fc.constantFrom('😀', '👩‍⚕️', '🇫🇷', 'e\u0301', '\u0000'), fc.nat(3))
    .map(([n, piece, after]) => `${'a'.repeat(n - 1)}${piece}${'b'.repeat(after)}`),
);
const text = fc.array(hostileText, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(''));

const extremeDate = fc.oneof(
  fc.constantFrom(
    '0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '-200000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '9999-12-31T23:59:59Z',
    '1969-12-31T23:59:59Z', '1970-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-11-24', '', 'yesterday', '20261124T070000Z',
  ),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
);

const nested = (depth: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { d: value };
  return value;
};
const deep = fc.constantFrom(31, 33, 200, 2500).map((depth) => nested(depth, 'x'));

const hostileValue = fc.oneof(
  { weight: 4, arbitrary: text },
  { weight: 2, arbitrary: extremeDate },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: deep },
  { weight: 1, arbitrary: fc.constantFrom(null, 0, -1, 1e308, true, [], {}) },
);

type Json = Record<string, unknown> | unknown[];

/** Every place in a JSON value where another value could stand: its object keys and array slots, at any depth. */
function places(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value !== 'object' || value === null) return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, inner]) => [[...at, key], ...places(inner, [...at, key])]);
}

function replaced(body: Json, path: Array<string | number>, value: unknown): Json {
  const copy = structuredClone(body);
  let holder = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) holder = holder[key] as Record<string | number, unknown>;
  holder[path[path.length - 1]] = value;
  return copy;
}

/** A hostile body for a route: its real payload with hostile parts, one field replaced, a key with a NUL, or arbitrary JSON. */
const hostileBody = (route: Route) => {
  const valid = { text: 'probe', id: 'probe-id', date: new Date().toISOString() };
  const withParts = fc.record({ text, id: fc.oneof(text, fc.constant('ok-id')), date: fc.oneof(extremeDate, fc.constant(valid.date)) }).map((parts) => route.body(parts));
  if (route.contentType.includes('hl7')) return fc.oneof(withParts, fc.string({ unit: 'binary', maxLength: 200 }).map((s) => `MSH|^~\\&|${s}\rMSA|AE|${s}\r`));
  const base = JSON.parse(route.body(valid)) as Json;
  const all = places(base);
  const oneField = fc.tuple(fc.nat(all.length - 1), hostileValue).map(([i, value]) => JSON.stringify(replaced(base, all[i], value)));
  const nulKey = fc.nat(all.length - 1).map((i) => JSON.stringify(replaced(base, all[i], { 'k\u0000': 'v\u0000' })));
  const anyJson = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v));
  const emptyObjects = fc.integer({ min: 1, max: 1500 }).map((n) => `[${Array.from({ length: n }, () => '{}').join(',')}]`);
  return fc.oneof({ weight: 4, arbitrary: withParts }, { weight: 4, arbitrary: oneField }, { weight: 1, arbitrary: nulKey }, { weight: 1, arbitrary: anyJson }, ...(route.source === 'canonical' ? [{ weight: 1, arbitrary: emptyObjects }] : []));
};

const anyRoute = fc.constantFrom(...ROUTES);
const hostile = anyRoute.chain((route) => hostileBody(route).map((body) => ({ route, body })));

describe('fuzzing every ingest route, beside a clean sender', () => {
  const suite = useCorralSuite();
  /** child keys (`source.system|id`) of the clean events, each of which must end up in an incident. */
  const clean: string[] = [];
  const answers: number[] = [];
  let n = 0;
  const cleanEvent = (transport: string) => {
    n += 1;
    const id = `clean-${transport}-${n}`;
    clean.push(`probe|${childIdOf(id)}`); // corral keeps the id as its keyed token
    return canonical({ id, system: `clean-${n % 7}`, errorSignature: `CLEAN_${n % 5}` });
  };

  it('over HTTP: no 5xx, and the clean event beside each hostile one is accepted', async () => {
    await fc.assert(
      fc.asyncProperty(hostile, async ({ route, body }) => {
        const [bad, good] = await Promise.all([post(suite, route.path, body, route.contentType), postJson<{ accepted: number }>(`${suite.corral.baseUrl}/v1/events`, cleanEvent('http'))]);
        answers.push(bad.status);
        expect(bad.status).toBeLessThan(500);
        expect([good.status, good.body.accepted]).toEqual([202, 1]);
      }),
      { seed: SEED, numRuns: 150 },
    );
  }, 60_000);

  it('over NATS: each hostile message is acked or dead-lettered, never redelivered for ever; the clean one is kept', async () => {
    const js = jetstream(suite.nats.nc);
    const encode = (body: string) => new TextEncoder().encode(body);
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { minLength: 1, maxLength: 4 }), async (batch) => {
        await Promise.all([...batch.map(({ route, body }) => js.publish(suite.nats.subjects.in(route.source), encode(body))), js.publish(suite.nats.subjects.in('canonical'), encode(JSON.stringify(cleanEvent('nats'))))]);
        // Settled: nothing pending, nothing awaiting an ack. A message redelivered for ever never gets there.
        await settled(suite);
      }),
      { seed: SEED, numRuns: 40 },
    );
    const consumer = await suite.nats.ingestConsumer();
    expect([consumer.num_pending, consumer.num_ack_pending]).toEqual([0, 0]);
  }, 60_000);

  it('afterwards: every clean event is correlated, and the audit chain verifies', async () => {
    const correlated = () => withClient(suite.db.url, (c) => c.query<{ child_key: string }>('SELECT child_key FROM incident_child WHERE child_key = ANY($1)', [clean])).then((r) => r.rows.map((row) => row.child_key).sort());
    expect(await eventually(correlated, (keys) => keys.length === clean.length)).toEqual([...clean].sort());
    const verify = await getJson<{ ok: boolean }>(`${suite.corral.baseUrl}/v1/audit/verify`);
    expect([verify.status, verify.body.ok]).toEqual([200, true]);
    // The generator reached both sides: hostile bodies refused and hostile bodies taken.
    expect(answers.some((s) => s === 400)).toBe(true);
    expect(answers.some((s) => s >= 200 && s < 300)).toBe(true);
  });
});

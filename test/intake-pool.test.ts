import { existsSync, readFileSync } from 'node:fs';
import { UnavailableError } from '../src/modules/http/domain-errors.js';
import { checkNative, encodedEntries } from '../src/modules/ingest/intake-prep.js';
import { IntakePool, useIntakeWorker } from '../src/modules/ingest/intake-pool/intake-pool.js';
import { NativeIngestService } from '../src/modules/ingest/native-ingest.service.js';
import { postJson, TOKEN_KEY, useCorralSuite, withClient } from './support/harness.js';

// The suite runs corral from its sources; its intake workers are the built ones (npm run build).
const BUILT_WORKER = new URL('../dist/src/modules/ingest/intake-pool/intake-worker.js', import.meta.url);
useIntakeWorker(BUILT_WORKER);

/** An Alertmanager webhook of `n` distinct firing alerts (the fixture's first, relabelled under `tag`). */
function webhook(n: number, tag: string): Record<string, unknown> {
  const fixture = JSON.parse(readFileSync(new URL('./fixtures/alertmanager/webhook-v4-1.json', import.meta.url), 'utf8')) as { alerts: Array<{ labels: Record<string, string> }> };
  const [first] = fixture.alerts;
  return { ...fixture, alerts: Array.from({ length: n }, (_, i) => ({ ...first, labels: { ...first?.labels, instance: `${tag}-${i % 37}:9100`, channel: `${tag}_${i}` }, fingerprint: `${tag}${i}` })) };
}
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
/** A row's text without its arrival (each request has its own). */
const arrivalLeftOut = (text: string) => text.replace(/"receivedAt":"[^"]+"/g, '"receivedAt":"-"');

describe('intake workers (INTAKE_WORKERS), against a real corral and PostgreSQL', () => {
  const suite = useCorralSuite({ INTAKE_WORKERS: '2' });
  const sql = <T>(text: string, params: unknown[] = []) => withClient(suite.db.url, async (c) => (await c.query(text, params)).rows as T[]);
  const native = () => suite.corral.app.get(NativeIngestService, { strict: false });
  const pool = () => suite.corral.app.get(IntakePool, { strict: false });

  beforeAll(() => {
    if (!existsSync(BUILT_WORKER)) throw new Error('run npm run build first: the intake worker is the built one');
  });

  it('a 500-alert webhook prepared by a worker: the answer, dedup keys and row text the main thread makes inline', async () => {
    expect(pool().workers).toHaveLength(2);
    const body = webhook(500, 'a');
    const raw = bytes(body);
    const before = Number((await sql<{ n: string }>('SELECT coalesce(max(position), 0) AS n FROM inbox'))[0]?.n);
    const answer = await native().ingestHttp('alertmanager', raw, 'corr-pool');
    // The bytes moved to the worker (transferred, not copied).
    expect(raw.byteLength).toBe(0);
    expect(answer).toEqual({ accepted: 500, duplicates: 0, ignored: 0, rejected: [] });
    const rows = await sql<{ dedup: string; input: string }>('SELECT dedup::text, input FROM inbox WHERE position > $1 ORDER BY position', [before]);
    const checked = checkNative('alertmanager', body, { tokenKey: TOKEN_KEY, correlationId: 'corr-pool', receivedAt: new Date() });
    if (!checked.ok) throw new Error(checked.reason);
    const inline = encodedEntries(checked.normalized.events, checked.normalized.resolves);
    expect(rows.map((r) => ({ dedup: r.dedup, text: arrivalLeftOut(r.input) }))).toEqual(inline.map((e) => ({ dedup: e.dedup, text: arrivalLeftOut(e.text) })));
    // The same alerts parsed on the main thread: every one an exact resend of what the worker keyed.
    expect(await native().ingestHttp('alertmanager', body, 'corr-inline')).toEqual({ accepted: 0, duplicates: 500, ignored: 0, rejected: [] });
  });

  it('over HTTP: 202 with the same counts; a malformed body gets the 400 it always got; a small body stays inline', async () => {
    // Counts what the routes hand to the workers.
    const taken: number[] = [];
    const prepare = pool().prepare.bind(pool());
    pool().prepare = ((...args: Parameters<typeof prepare>) => (taken.push(args[1].byteLength), prepare(...args))) as typeof prepare;
    const url = `${suite.corral.baseUrl}/v1/ingest/alertmanager`;
    const accepted = await postJson(url, webhook(500, 'h'));
    expect(accepted).toMatchObject({ status: 202, body: { accepted: 500, duplicates: 0, ignored: 0, rejected: [] } });
    const again = await postJson(url, webhook(500, 'h'));
    expect(again).toMatchObject({ status: 202, body: { accepted: 0, duplicates: 500 } });
    expect(taken).toHaveLength(2);
    const malformed = await postJson(url, JSON.stringify(webhook(400, 'm')).slice(0, -3));
    expect(malformed).toEqual({ status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'the body is not valid JSON' }, headers: expect.anything() as unknown });
    const canonical = await postJson(`${suite.corral.baseUrl}/v1/events`, `[${'{"id":1},'.repeat(2000)}`);
    expect(canonical).toMatchObject({ status: 400, body: { message: 'the body is not valid JSON' } });
    expect(taken).toHaveLength(4);
    const small = await postJson(url, webhook(1, 's'));
    expect(small).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(taken).toHaveLength(4);
  });

  it('a worker killed under a request fails it at once with 503 and Retry-After (nothing kept), and is replaced', async () => {
    const started = Date.now();
    const request = native().ingestHttp('alertmanager', bytes(webhook(500, 'k')), 'corr-killed');
    for (const worker of pool().workers) void worker.terminate();
    const error = await request.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).retryAfterSeconds).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(Number((await sql<{ n: string }>(`SELECT count(*) AS n FROM inbox WHERE input LIKE '%corr-killed%'`))[0]?.n)).toBe(0);
    // Replaced: the next request is prepared by a new worker.
    const raw = bytes(webhook(500, 'k'));
    expect(await native().ingestHttp('alertmanager', raw, 'corr-after')).toMatchObject({ accepted: 500 });
    expect(raw.byteLength).toBe(0);
    expect(pool().workers).toHaveLength(2);
  });
});

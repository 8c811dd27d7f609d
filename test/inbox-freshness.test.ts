import pg from 'pg';
import { RetentionJob } from '../src/modules/retention/retention-job.js';
import { apiFetch, canonical, eventually, postJson, useCorralSuite, withClient } from './support/harness.js';

interface AsOf {
  position: number;
  at: string;
  pending: number;
}

const ORIGIN = 'https://wall.example.org';

/**
 * Read models trail the correlator (log-first intake, issue #23): every GET under /v1 says how far
 * correlation had come, the answers people watch carry it as `asOf`, and the inbox forgets rows
 * once they are correlated and past INBOX_RETENTION_MS.
 */
describe('inbox freshness and retention, against a real corral', () => {
  const suite = useCorralSuite({ CORRAL_SMALL_COUNT_THRESHOLD: '5', CORRAL_CORS_ORIGINS: ORIGIN });
  const url = (path: string) => `${suite.corral.baseUrl}${path}`;
  const sql = <T>(text: string, params: unknown[] = []) => withClient(suite.db.url, async (c) => (await c.query(text, params)).rows as T[]);
  const cursor = async () => Number((await sql<{ position: string }>(`SELECT position FROM inbox_cursor`))[0]?.position);
  let held: pg.Client | undefined;
  let incidentId = '';

  /** Holds the cursor's row: the correlator's next commit (which moves it) waits, so what is appended stays pending. */
  const holdCorrelation = async () => {
    held = new pg.Client({ connectionString: suite.db.url });
    await held.connect();
    await held.query('BEGIN');
    await held.query('SELECT position FROM inbox_cursor FOR UPDATE');
  };
  const releaseCorrelation = async () => {
    await held?.query('ROLLBACK');
    await held?.end();
    held = undefined;
  };
  afterAll(releaseCorrelation);

  const read = async (path: string, key?: string) => {
    const response = await apiFetch(url(path), {}, { key });
    const headers = { at: response.headers.get('corral-as-of'), position: response.headers.get('corral-inbox-position'), pending: response.headers.get('corral-inbox-pending') };
    return { status: response.status, headers, body: (await response.json()) as { asOf?: AsOf } };
  };

  beforeAll(async () => {
    const posted = await postJson<{ correlated: boolean; incidents: Array<{ incidentId: string | null }> }>(url('/v1/events?wait=correlated'), [
      canonical({ system: 'pacs', facility: 'kirkland', errorSignature: 'DICOM_TIMEOUT', occurredAt: new Date().toISOString() }),
      canonical({ system: 'pacs', facility: 'redmond', errorSignature: 'DICOM_TIMEOUT', occurredAt: new Date().toISOString() }),
    ]);
    expect([posted.status, posted.body.correlated]).toEqual([202, true]);
    incidentId = posted.body.incidents[0]?.incidentId ?? '';
    expect(incidentId).not.toBe('');
  });

  it('every GET under /v1 carries Corral-As-Of, Corral-Inbox-Position and Corral-Inbox-Pending: what is correlated, and nothing waiting', async () => {
    const correlated = await cursor();
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const paths = [
      '/v1/incidents',
      `/v1/incidents/${incidentId}`,
      `/v1/incidents/${incidentId}/timeline`,
      '/v1/blast-radius',
      `/v1/blast-radius?from=${from}`,
      `/v1/incidents/${incidentId}/blast-radius`,
      `/v1/metrics/outcomes?from=${from}`,
      '/v1/audit',
      '/v1/dead-letters',
      '/v1/deliveries',
    ];
    for (const path of paths) {
      const { status, headers } = await read(path);
      expect([path, status, headers.position, headers.pending]).toEqual([path, 200, String(correlated), '0']);
      expect(Math.abs(Date.parse(headers.at ?? '') - Date.now())).toBeLessThan(60_000);
    }
    expect(correlated).toBeGreaterThanOrEqual(2);
  });

  it('the incident list and blast radius carry the same figures as `asOf`; leadership sees them as they are, not suppressed', async () => {
    const leadership = (await suite.corral.mintKey('leadership')).key;
    const correlated = await cursor();
    // Positions this small would read "<5" if they were taken for people counts.
    expect(correlated).toBeLessThan(5);
    for (const path of ['/v1/incidents', '/v1/blast-radius', `/v1/blast-radius?from=${new Date(Date.now() - 3_600_000).toISOString()}`, `/v1/incidents/${incidentId}/blast-radius`]) {
      for (const key of [undefined, leadership]) {
        const { headers, body } = await read(path, key);
        expect([path, body.asOf]).toEqual([path, { position: correlated, at: headers.at, pending: 0 }]);
      }
    }
  });

  it('while correlation is held back, pending counts the accepted events and the position stays; once it goes on, both move', async () => {
    const before = await read('/v1/incidents');
    await holdCorrelation();
    const posted = await postJson(url('/v1/events'), [canonical({ system: 'ris' }), canonical({ system: 'ris', facility: 'redmond' }), canonical({ system: 'lis' })]);
    expect(posted.status).toBe(202);

    const waiting = await read('/v1/incidents');
    expect(waiting.headers).toEqual({ ...before.headers, pending: '3' });
    expect(waiting.body.asOf).toEqual({ ...before.body.asOf, pending: 3 });

    await releaseCorrelation();
    const caughtUp = await eventually(
      () => read('/v1/blast-radius'),
      (r) => r.headers.pending === '0',
    );
    expect(Number(caughtUp.headers.position)).toBeGreaterThanOrEqual(Number(before.headers.position) + 3);
    expect(caughtUp.body.asOf?.position).toBe(Number(caughtUp.headers.position));
    expect(Date.parse(caughtUp.headers.at ?? '')).toBeGreaterThan(Date.parse(before.headers.at ?? ''));
  });

  it('tells nothing to a caller without credentials, nor outside /v1', async () => {
    const refused = await apiFetch(url('/v1/incidents'), {}, { key: null });
    const probe = await apiFetch(url('/health/ready'), {}, { key: null });

    expect([refused.status, refused.headers.get('corral-inbox-position')]).toEqual([401, null]);
    expect([probe.status, probe.headers.get('corral-inbox-position')]).toEqual([200, null]);
  });

  it('lets a browser on an allowed origin read the headers (CORS exposes them)', async () => {
    const response = await apiFetch(url('/v1/incidents'), { headers: { origin: ORIGIN } });

    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(response.headers.get('access-control-expose-headers')?.split(',')).toEqual(['Corral-As-Of', 'Corral-Inbox-Position', 'Corral-Inbox-Pending']);
  });

  it('the retention job prunes inbox rows correlated and past INBOX_RETENTION_MS; it keeps recent ones, and old ones not yet correlated', async () => {
    // Everything so far is correlated: make it nine days old (past the default eight).
    const positions = async () => (await sql<{ position: string }>(`SELECT position FROM inbox ORDER BY position`)).map((r) => Number(r.position));
    const old = await positions();
    await sql(`UPDATE inbox SET received_at = now() - interval '9 days'`);
    expect((await postJson<{ correlated: boolean }>(url('/v1/events?wait=correlated'), [canonical({ system: 'mar' }), canonical({ system: 'mar', facility: 'redmond' })])).body.correlated).toBe(true);
    const recent = (await positions()).filter((p) => !old.includes(p));
    // Two more, accepted while correlation is held back, and as old as the first ones.
    await holdCorrelation();
    expect((await postJson(url('/v1/events'), [canonical({ system: 'pharmacy' }), canonical({ system: 'pharmacy', facility: 'redmond' })])).status).toBe(202);
    const uncorrelated = (await positions()).filter((p) => !old.includes(p) && !recent.includes(p));
    await sql(`UPDATE inbox SET received_at = now() - interval '9 days' WHERE position = ANY($1::bigint[])`, [uncorrelated]);
    expect([old.length, recent.length, uncorrelated.length]).toEqual([5, 2, 2]);

    const job = suite.corral.app.get(RetentionJob);
    expect(await job.pruneInbox()).toBe(old.length);
    expect(await positions()).toEqual([...recent, ...uncorrelated]);

    // Once correlated, the old ones go too; the recent ones stay until their time comes.
    await releaseCorrelation();
    await eventually(cursor, (position) => position >= Math.max(...uncorrelated));
    expect(await job.pruneInbox()).toBe(2);
    expect(await positions()).toEqual(recent);
    expect(await job.pruneInbox(new Date(Date.now() + 8 * 86_400_000 + 60_000))).toBe(2);
    expect(await positions()).toEqual([]);
  });
});

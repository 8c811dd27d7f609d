import { connect } from 'node:net';
import { spawnCorral } from './adapters/spawned-corral.js';
import { apiFetch, canonical, getJson, postJson, useCorralSuite } from './support/harness.js';

/**
 * The ingest routes are served by plain Fastify handlers (src/modules/http/plain-routes.ts), not by
 * Nest's pipeline: what that pipeline did for them is done by the route's own hook and handler.
 */
describe('ingest routes outside Nest', () => {
  const suite = useCorralSuite({ CORRAL_RATE_LIMIT_PER_MINUTE: '5', CORRAL_REFUSALS_PER_ADDRESS_PER_MINUTE: '100000' });
  const url = (path: string) => `${suite.corral.baseUrl}${path}`;

  /** What comes back for a request head and the first bytes of a body that is never finished. */
  function headThenPartialBody(key: string, waitMs: number): Promise<string> {
    const { hostname, port } = new URL(suite.corral.baseUrl);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
      socket.on('error', reject);
      socket.on('connect', () => {
        socket.write(`POST /v1/events HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n{"id":`);
      });
      setTimeout(() => {
        socket.destroy();
        resolve(answer);
      }, waitMs);
    });
  }

  it('refuses a bad key before reading the body: the 401 comes while the body is still unsent, and the connection closes', async () => {
    const answer = await headThenPartialBody(`crl_${'B'.repeat(43)}`, 1500);
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer.toLowerCase()).toContain('www-authenticate: bearer realm="corral"');
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(answer).toContain('{"statusCode":401,"error":"Unauthorized","message":"unknown API key"}');

    // A good key is let through to wait for the body it announced: no answer yet.
    const { key } = await suite.corral.mintKey('ingest', { label: 'partial body' });
    expect(await headThenPartialBody(key, 500)).toBe('');
  });

  it('gives a key past its rate limit 429 with Retry-After, in the usual error shape', async () => {
    const { key } = await suite.corral.mintKey('ingest', { label: 'busy sender' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await postJson(url('/v1/events'), canonical(), { key })).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202]);
    const limited = await postJson(url('/v1/events'), canonical(), { key });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: 'rate limit for this key exceeded; retry later' });
  });

  it('audits a refused role as the guard did, and records nothing for an accepted ingest request (it never was audited)', async () => {
    const agent = await suite.corral.mintKey('agent', { label: 'agent posting events' });
    const refused = await postJson(url('/v1/events'), canonical(), { key: agent.key });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'role agent may not POST /v1/events' });
    const sender = await suite.corral.mintKey('ingest', { label: 'audited sender' });
    expect((await postJson(url('/v1/events'), canonical(), { key: sender.key })).status).toBe(202);

    const trail = async (actor: string) =>
      (await getJson<{ items: Array<Record<string, unknown>> }>(url(`/v1/audit?source=access&actor=${encodeURIComponent(actor)}&limit=100`))).body.items;
    expect(await trail('agent posting events')).toEqual([
      expect.objectContaining({ action: 'access', outcome: 4, role: 'agent', detail: expect.objectContaining({ route: 'POST /v1/events', status: 403, type: 'query', reason: 'role agent may not POST /v1/events' }) }),
    ]);
    expect(await trail('audited sender')).toEqual([]);
  });

  it('refuses a control character in the query or in the source as ControlCharactersPipe did', async () => {
    const { key } = await suite.corral.mintKey('ingest', { label: 'control characters' });
    const inQuery = await postJson(url('/v1/events?wait=%01'), canonical(), { key });
    expect([inQuery.status, inQuery.body]).toEqual([
      400,
      { statusCode: 400, error: 'Bad Request', message: 'wait must not hold control characters (U+0000–U+001F, U+007F–U+009F)', details: [{ field: 'wait', problems: ['holds a control character'] }] },
    ]);
    const inSource = await postJson(url('/v1/ingest/%01'), {}, { key });
    expect([inSource.status, (inSource.body as { message: string }).message]).toEqual([400, 'source must not hold control characters (U+0000–U+001F, U+007F–U+009F)']);
    const unknown = await postJson(url('/v1/ingest/nagios'), {}, { key });
    expect([unknown.status, (unknown.body as { message: string }).message]).toEqual([404, expect.stringMatching(/^no adapter for "nagios"/)]);
  });

  it('answers the Okta verification with the freshness headers of a GET under /v1', async () => {
    const { key } = await suite.corral.mintKey('ingest', { label: 'okta' });
    const answer = await apiFetch(url('/v1/ingest/okta'), { headers: { 'x-okta-verification-challenge': 'abc' } }, { key });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ verification: 'abc' });
    expect(answer.headers.get('corral-inbox-position')).toMatch(/^\d+$/);
    expect(answer.headers.get('x-correlation-id')).toBeTruthy();
  });

  it('is described in the OpenAPI document by its controllers, as before', async () => {
    const { body } = await getJson<{ paths: Record<string, Record<string, { summary?: string; requestBody?: unknown }>> }>(url('/docs-json'), { key: null });
    expect(Object.keys(body.paths).filter((path) => path.startsWith('/v1/events') || path.startsWith('/v1/ingest'))).toEqual([
      '/v1/events',
      '/v1/ingest/pagerduty',
      '/v1/ingest/okta',
      '/v1/ingest/hl7',
      '/v1/ingest/{source}',
    ]);
    expect(body.paths['/v1/events']?.post?.requestBody).toBeDefined();
    expect(Object.keys(body.paths['/v1/ingest/okta'] ?? {}).sort()).toEqual(['get', 'post']);
  });
});

describe('ingest routes\' logs', () => {
  type Line = { level?: number; msg?: string; context?: string; correlationId?: string; req?: { url?: string; headers?: Record<string, string> }; res?: { statusCode?: number }; responseTime?: number };
  const linesOf = (output: string, correlationId: string | null): Line[] =>
    output
      .split('\n')
      .filter((line) => line.includes(`"correlationId":"${correlationId}"`))
      .map((line) => JSON.parse(line) as Line);

  it('write pino-http\'s access line at info, credentials redacted, and a refusal\'s log line carries the correlation id', async () => {
    const corral = await spawnCorral({ LOG_LEVEL: 'info' });
    try {
      const accepted = await postJson(`${corral.baseUrl}/v1/events`, canonical());
      expect(accepted.status).toBe(202);
      const refused = await apiFetch(`${corral.baseUrl}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, { key: `crl_${'C'.repeat(43)}` });
      expect(refused.status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 300));

      const access = linesOf(corral.output(), accepted.headers.get('x-correlation-id')).filter((line) => line.req !== undefined);
      expect(access).toEqual([
        expect.objectContaining({ level: 30, msg: 'request completed', req: expect.objectContaining({ url: '/v1/events' }), res: expect.objectContaining({ statusCode: 202 }), responseTime: expect.any(Number) }),
      ]);
      expect(access[0]?.req?.headers?.authorization).toBe('[redacted]');
      expect(corral.output()).not.toContain(corral.adminKey);

      const refusal = linesOf(corral.output(), refused.headers.get('x-correlation-id'));
      expect(refusal.find((line) => line.context === 'Access')).toEqual(expect.objectContaining({ msg: expect.stringContaining('POST /v1/events: 401 unknown API key') }));
      expect(refusal.find((line) => line.req !== undefined)).toEqual(expect.objectContaining({ res: expect.objectContaining({ statusCode: 401 }) }));
    } finally {
      await corral.stop();
    }
  }, 90_000);

  it('log nothing at error when a sender hangs up before its body arrived (nobody is left to answer)', async () => {
    const corral = await spawnCorral({ LOG_LEVEL: 'warn' });
    try {
      const { hostname, port } = new URL(corral.baseUrl);
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), hostname);
        socket.on('error', reject);
        socket.on('connect', () => {
          socket.write(`POST /v1/events HTTP/1.1\r\nhost: ${hostname}\r\nauthorization: Bearer ${corral.adminKey}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"id":`);
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 300);
        });
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      const errors = corral.output().split('\n').filter((line) => line.includes('"level":50'));
      expect(errors).toEqual([]);
    } finally {
      await corral.stop();
    }
  }, 90_000);

  it('write no access line at warn', async () => {
    const corral = await spawnCorral({ LOG_LEVEL: 'warn' });
    try {
      const accepted = await postJson(`${corral.baseUrl}/v1/events`, canonical());
      expect(accepted.status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(linesOf(corral.output(), accepted.headers.get('x-correlation-id'))).toEqual([]);
    } finally {
      await corral.stop();
    }
  }, 90_000);
});

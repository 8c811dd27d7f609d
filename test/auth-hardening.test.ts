import { spawn } from 'node:child_process';
import { spawnCorral } from './adapters/spawned-corral.js';
import { apiFetch, CHAIN_KEY, getJson, TOKEN_KEY, useCorralSuite } from './support/harness.js';
import { loadConfig } from '../src/modules/config/corral-config.js';

const CLI = new URL('../dist/src/cli/corral.js', import.meta.url).pathname;

function cli(databaseUrl: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, CORRAL_TOKEN_KEY: TOKEN_KEY, CORRAL_CHAIN_KEY: CHAIN_KEY, USER: 'ops' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('keys from the command line', () => {
  const suite = useCorralSuite();

  it('creates a key shown once, lists it without the secret, and revokes it for good', async () => {
    const created = await cli(suite.db.url, ['keys', 'create', '--role', 'agent', '--label', 'Service desk', '--expires', '30d']);
    expect(created.code).toBe(0);
    const key = /crl_[\w-]{43}/.exec(created.output)?.[0] ?? '';
    const id = /id:\s+([0-9a-f-]{36})/.exec(created.output)?.[1] ?? '';
    expect((await getJson(`${suite.corral.baseUrl}/v1/incidents`, { key })).status).toBe(200);

    const listed = await cli(suite.db.url, ['keys', 'list']);
    expect(listed.output).toContain(id);
    expect(listed.output).toContain('"Service desk"');
    expect(listed.output).not.toContain(key);

    expect((await cli(suite.db.url, ['keys', 'revoke', id])).code).toBe(0);
    expect((await getJson(`${suite.corral.baseUrl}/v1/incidents`, { key })).status).toBe(401);
    // Key management is on the audit trail too.
    const trail = await getJson<{ items: Array<{ action: string; target: string; actor: string }> }>(`${suite.corral.baseUrl}/v1/audit?source=access&limit=1000`);
    expect(trail.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'key.create', target: id, actor: 'cli:ops' }), expect.objectContaining({ action: 'key.revoke', target: id })]));
  }, 60_000);

  it('refuses a role that does not exist', async () => {
    const refused = await cli(suite.db.url, ['keys', 'create', '--role', 'superuser', '--label', 'x']);
    expect(refused.code).toBe(2);
    expect(refused.output).toMatch(/--role <role>' argument 'superuser' is invalid\. Allowed choices are ingest, agent, leadership, auditor, admin/);
  }, 30_000);
});

describe('HTTP hardening', () => {
  const suite = useCorralSuite({ CORRAL_RATE_LIMIT_PER_MINUTE: '5' });

  it('sends security headers and no CORS headers, even to a cross-origin caller', async () => {
    const response = await apiFetch(`${suite.corral.baseUrl}/health/ready`, { headers: { origin: 'https://evil.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('limits each key to its requests per minute with 429 and Retry-After, without slowing other keys', async () => {
    const { key } = await suite.corral.mintKey('agent', { label: 'runaway script' });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) statuses.push((await apiFetch(`${suite.corral.baseUrl}/v1/incidents`, {}, { key })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await apiFetch(`${suite.corral.baseUrl}/v1/incidents`, {}, { key });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = (await suite.corral.mintKey('agent', { label: 'calm agent' })).key;
    expect((await apiFetch(`${suite.corral.baseUrl}/v1/incidents`, {}, { key: other })).status).toBe(200);
  });
});

/** The dashboard's session cookie as a sign-in with a leadership key sets it, sent as if through a TLS proxy. */
async function signInCookie(baseUrl: string, key: string): Promise<string> {
  const response = await apiFetch(`${baseUrl}/dashboard/session`, { method: 'POST', redirect: 'manual', headers: { 'x-forwarded-proto': 'https' } }, { key });
  expect(response.status).toBe(303);
  return response.headers.get('set-cookie') ?? '';
}

describe('behind a TLS-terminating proxy', () => {
  const direct = useCorralSuite();
  const proxied = useCorralSuite({ CORRAL_TRUST_PROXY: 'loopback' });

  it('believes X-Forwarded-Proto only from a proxy named in CORRAL_TRUST_PROXY: the dashboard cookie is then Secure', async () => {
    const trusted = await signInCookie(proxied.corral.baseUrl, (await proxied.corral.mintKey('leadership')).key);
    expect(trusted).toMatch(/^corral_dashboard=crs_[\w-]+; .*HttpOnly; SameSite=Strict; Secure$/);

    // Without the setting anyone could send the header: it is ignored, and the cookie is not Secure over plain HTTP.
    const untrusted = await signInCookie(direct.corral.baseUrl, (await direct.corral.mintKey('leadership')).key);
    expect(untrusted).toMatch(/^corral_dashboard=crs_[\w-]+; .*SameSite=Strict$/);
  });

  it('refuses a trust setting that is neither a hop count nor addresses', () => {
    expect(() => loadConfig({ CORRAL_TOKEN_KEY: TOKEN_KEY, CORRAL_TRUST_PROXY: 'everyone' })).toThrow(/CORRAL_TRUST_PROXY/);
  });
});

describe('logs', () => {
  it('never carry a key or bearer token, even at trace level', async () => {
    const corral = await spawnCorral({ LOG_LEVEL: 'trace' });
    try {
      const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
      expect((await apiFetch(`${corral.baseUrl}/v1/incidents`)).status).toBe(200);
      const refused = await apiFetch(`${corral.baseUrl}/v1/incidents`, { headers: { authorization: `Bearer ${token}` } });
      expect(refused.status).toBe(401);
      expect((await apiFetch(`${corral.baseUrl}/v1/incidents/not-a-uuid`)).status).toBe(400);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Requests were logged (so the check is not vacuous) …
      expect(corral.output()).toMatch(/"url":"\/v1\/incidents"/);
      // … with the credentials redacted.
      expect(corral.output()).not.toContain(corral.adminKey);
      expect(corral.output()).not.toContain(token);
      expect(corral.output()).toContain('[redacted]');
      // A line logged while the request was handled and its access line both carry the request's
      // correlation id, the one its answer names; the access line also has the request itself.
      const correlationId = refused.headers.get('x-correlation-id');
      const lines = corral
        .output()
        .split('\n')
        .filter((line) => line.includes(`"correlationId":"${correlationId}"`))
        .map((line) => JSON.parse(line) as { context?: string; req?: { url?: string }; res?: { statusCode?: number } });
      expect(lines.find((line) => line.context === 'Access')).toBeDefined();
      expect(lines.find((line) => line.req !== undefined)).toEqual(expect.objectContaining({ req: expect.objectContaining({ url: '/v1/incidents' }), res: expect.objectContaining({ statusCode: 401 }) }));
    } finally {
      await corral.stop();
    }
  }, 90_000);
});

import { ACCESS_MATRIX, routeKey } from '../src/modules/auth/access-matrix.js';
import { ROLES, type Role } from '../src/modules/auth/roles.js';
import { allowedRoles, concrete, servedRoutes, TestIssuer } from './auth-support.js';
import { apiFetch, useCorralSuite } from './support/harness.js';

/**
 * Every route the app serves × every caller: each role by API key and by OIDC token, no key, an
 * expired key, a revoked key, a forged token and a token for another audience. Expectations come
 * from the declared matrix; routes come from Express's router, so a route added without a matrix
 * entry fails here, as does a matrix entry for a route that no longer exists.
 */
describe('authorization matrix', () => {
  const env: Record<string, string> = { CORRAL_RATE_LIMIT_PER_MINUTE: '100000', CORRAL_REFUSALS_PER_ADDRESS_PER_MINUTE: '100000' };
  let issuer: TestIssuer;
  // Registered before useCorralSuite's beforeAll, so the issuer is up (and env filled) before corral starts.
  beforeAll(async () => {
    issuer = await TestIssuer.start();
    Object.assign(env, issuer.env());
  });
  afterAll(async () => {
    await issuer?.close();
  });
  const suite = useCorralSuite(env);

  const keys = {} as Record<Role, string>;
  const tokens = {} as Record<Role, string>;
  const bad: Record<string, string | null> = {};
  let routes: Array<{ method: string; path: string }>;

  beforeAll(async () => {
    for (const role of ROLES) {
      keys[role] = (await suite.corral.mintKey(role, { label: `matrix ${role}` })).key;
      tokens[role] = await issuer.token(`user-${role}@hospital.example`, { corral_role: role });
    }
    const expired = await suite.corral.mintKey('admin', { label: 'expired', expiresAt: new Date(Date.now() + 300) });
    const revoked = await suite.corral.mintKey('admin', { label: 'revoked' });
    const keysService = (await import('../src/modules/auth/api-keys.js')).ApiKeys;
    await suite.corral.app.get(keysService, { strict: false }).revoke(revoked.id);
    await new Promise((resolve) => setTimeout(resolve, 400));
    bad['no key'] = null;
    bad['expired key'] = expired.key;
    bad['revoked key'] = revoked.key;
    bad['unknown key'] = `crl_${'A'.repeat(43)}`;
    bad['forged token'] = await issuer.token('mallory', { corral_role: 'admin' }, { key: await TestIssuer.forgeryKey() });
    bad['wrong audience'] = await issuer.token('mallory', { corral_role: 'admin' }, { audience: 'another-app' });
    bad['expired token'] = await issuer.token('mallory', { corral_role: 'admin' }, { expiresIn: '-2m' });
    bad['token without role'] = await issuer.token('nobody', { corral_role: 'janitor' });
    routes = servedRoutes(suite.corral);
  });

  // The body is read to its end: an answer left unread (the API docs' script is 1.5 MB) keeps its
  // connection busy until the client's socket is collected, and the suite's stop waited on it.
  const call = async (method: string, path: string, key: string | null) => {
    const response = await apiFetch(`${suite.corral.baseUrl}${concrete(path)}`, { method, ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}) }, { key });
    await response.arrayBuffer();
    return response;
  };

  it('finds every served route in the matrix, and every matrix entry among the served routes', () => {
    const served = routes.map((r) => routeKey(r.method, r.path));
    expect(served.length).toBeGreaterThan(20);
    expect(served.filter((key) => !(key in ACCESS_MATRIX))).toEqual([]);
    expect(Object.keys(ACCESS_MATRIX).filter((key) => !served.includes(key))).toEqual([]);
  });

  it('gives every route that leadership may read a leadership view', () => {
    const unshaped = Object.entries(ACCESS_MATRIX).filter(([, entry]) => entry.roles !== 'public' && entry.roles.includes('leadership') && !entry.leadershipView);
    expect(unshaped).toEqual([]);
  });

  it('answers every route for every role, by key and by token, as the matrix says', async () => {
    const wrong: string[] = [];
    for (const { method, path } of routes) {
      const allowed = allowedRoles(routeKey(method, path));
      for (const role of ROLES) {
        for (const [how, credential] of [['key', keys[role]], ['token', tokens[role]]] as const) {
          const status = (await call(method, path, credential)).status;
          const admitted = allowed === 'public' || allowed.includes(role);
          // Admitted: the guard let it through, whatever the handler then made of a made-up id or empty body.
          const ok = admitted ? status !== 401 && status !== 403 && status < 500 : status === 403;
          if (!ok) wrong.push(`${method} ${path} as ${role} (${how}): ${status}, expected ${admitted ? 'admitted' : '403'}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses every non-public route with 401 to callers without valid credentials, and lets anyone reach the public ones', async () => {
    const wrong: string[] = [];
    for (const { method, path } of routes) {
      const isPublic = allowedRoles(routeKey(method, path)) === 'public';
      // Public at the gate, but the route checks its own credentials (a vendor's signature, a signed link).
      const ownCheck = ACCESS_MATRIX[routeKey(method, path)]?.checkedByRoute !== undefined;
      for (const [how, credential] of Object.entries(bad)) {
        const response = await call(method, path, credential);
        const ok = ownCheck ? response.status === 401 || response.status === 404 : isPublic ? response.status !== 401 && response.status !== 403 : response.status === 401 && response.headers.get('www-authenticate') === 'Bearer realm="corral"';
        if (!ok) wrong.push(`${method} ${path} with ${how}: ${response.status}`);
      }
    }
    expect(wrong).toEqual([]);
    // The two probes are the only data routes open to all (readiness tells an anonymous caller its
    // verdict only); the others public at the gate check credentials of their own, or serve files of code and style.
    const open = routes.filter((r) => allowedRoles(routeKey(r.method, r.path)) === 'public' && ACCESS_MATRIX[routeKey(r.method, r.path)]?.checkedByRoute === undefined);
    expect(open.map((r) => r.path).filter((p) => !p.startsWith('/docs') && !/\.(?:css|js)$|\/assets\/:name$/.test(p)).sort()).toEqual(['/health/live', '/health/ready']);
  });

  it('records a refusal of an authenticated caller in the audit trail', async () => {
    expect((await call('GET', '/v1/audit', keys.leadership)).status).toBe(403);

    const trail = await apiFetch(`${suite.corral.baseUrl}/v1/audit?source=access&actor=${encodeURIComponent('matrix leadership')}&limit=1000`);
    const items = ((await trail.json()) as { items: Array<{ action: string; outcome: number; role: string; detail: { status: number } }> }).items;
    expect(items).toContainEqual(expect.objectContaining({ action: 'audit.read', outcome: 4, role: 'leadership', detail: expect.objectContaining({ status: 403 }) }));
  });
});

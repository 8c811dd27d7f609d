import type { ApiKeyRepository } from '../src/modules/auth/api-key.repository.js';
import { randomBytes } from 'node:crypto';
import { ApiKeys } from '../src/modules/auth/api-keys.js';
import { apiFetch, useCorralSuite } from './support/harness.js';

const unknownKey = () => `crl_${randomBytes(32).toString('base64url')}`;

/**
 * A flood of made-up keys costs a database lookup each, and a flood of forbidden requests is
 * refused only after authentication: both must be slowed per client address before any of that.
 * Addresses come from X-Forwarded-For, believed because the suite names loopback a trusted proxy.
 */
describe('rate limits before authentication', () => {
  const suite = useCorralSuite({ CORRAL_TRUST_PROXY: 'loopback', CORRAL_REFUSALS_PER_ADDRESS_PER_MINUTE: '20', CORRAL_RATE_LIMIT_PER_MINUTE: '1000' });
  let lookups = 0;

  beforeAll(() => {
    // Counts the key lookups that reach the database (the read the cache did not answer).
    const keys = suite.corral.app.get<ApiKeys, { rows: ApiKeyRepository }>(ApiKeys, { strict: false });
    const byHash = keys.rows.byHash.bind(keys.rows);
    keys.rows.byHash = (hash: string) => {
      lookups += 1;
      return byHash(hash);
    };
  });

  const from = (address: string, key: string | null, path = '/v1/incidents') => apiFetch(`${suite.corral.baseUrl}${path}`, { headers: { 'x-forwarded-for': address } }, { key });

  it('limits a flood of unknown keys from one address before any lookup, and leaves another address alone', async () => {
    const before = lookups;
    const statuses: number[] = [];
    for (let i = 0; i < 60; i += 1) statuses.push((await from('203.0.113.7', unknownKey())).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(40).fill(429));
    expect(lookups - before).toBeLessThanOrEqual(20);
    const limited = await from('203.0.113.7', unknownKey());
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);

    // A good client elsewhere: unaffected.
    const good = await from('198.51.100.2', suite.corral.adminKey);
    expect(good.status).toBe(200);
  });

  it('limits a flood of forbidden requests by a valid key from one address', async () => {
    const { key } = await suite.corral.mintKey('ingest', { label: 'not an auditor' });
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) statuses.push((await from('203.0.113.9', key, '/v1/audit')).status);
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(403));
    expect(statuses.slice(20)).toEqual(Array(5).fill(429));
  });

  it('remembers an unknown key briefly: the same made-up key again costs no lookup', async () => {
    const key = unknownKey();
    const before = lookups;
    for (let i = 0; i < 10; i += 1) expect((await from('198.51.100.50', key)).status).toBe(401);
    expect(lookups - before).toBe(1);
  });

  it('answers the probes whatever the address has sent', async () => {
    expect((await from('203.0.113.7', null, '/health/live')).status).toBe(200);
    expect((await from('203.0.113.7', null, '/health/ready')).status).toBe(200);
  });
});

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './corral-config.js';

const dataDir = () => mkdtempSync(join(tmpdir(), 'corral-config-'));

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const dir = dataDir();

    const config = loadConfig({ CORRAL_DATA_DIR: dir });

    expect(config.port).toBe(8080);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.batch).toEqual({ maxSize: 500, maxDelayMs: 5, maxQueued: 20000 });
    expect(config.tokenKey).toBe(readFileSync(join(dir, 'token.key'), 'utf8').trim());
  });

  it('keeps the generated token key across restarts', () => {
    const dir = dataDir();

    expect(loadConfig({ CORRAL_DATA_DIR: dir }).tokenKey).toBe(loadConfig({ CORRAL_DATA_DIR: dir }).tokenKey);
  });

  it('names every bad variable', () => {
    const load = () => loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', CORRAL_TOKEN_KEY: 'short' });

    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/PORT: .*whole number.*"eighty"/);
    expect(load).toThrow(/DATABASE_URL: must be a postgres/);
    expect(load).toThrow(/CORRAL_TOKEN_KEY: must be at least 32/);
  });

  it('never echoes a secret value in its error', () => {
    expect(() => loadConfig({ CORRAL_TOKEN_KEY: 'hunter2' })).toThrow(/^((?!hunter2)[\s\S])*$/);
  });

  it('refuses OIDC tokens without an audience to check', () => {
    expect(() => loadConfig({ CORRAL_DATA_DIR: dataDir(), CORRAL_JWT_JWKS_URL: 'https://idp.example/jwks' })).toThrow(/CORRAL_JWT_AUDIENCE: must be set/);
  });

  it('turns OIDC and access settings into the auth config', () => {
    const config = loadConfig({ CORRAL_DATA_DIR: dataDir(), CORRAL_JWT_JWKS_URL: 'https://idp.example/jwks', CORRAL_JWT_AUDIENCE: 'corral', CORRAL_CORS_ORIGINS: 'https://a.example,https://b.example' });

    expect(config.auth.jwt).toEqual({ jwksUrl: 'https://idp.example/jwks', audience: 'corral', issuer: undefined, roleClaim: 'corral_role' });
    expect(config.auth.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.auth.smallCountThreshold).toBe(5);
  });

  it('takes one way to authenticate to NATS, and never echoes a NATS secret', () => {
    const load = () => loadConfig({ CORRAL_DATA_DIR: dataDir(), NATS_TOKEN: 'hunter2', NATS_USER: 'corral', NATS_PASSWORD: 'hunter3' });

    expect(load).toThrow(/set at most one way to authenticate to NATS/);
    expect(load).toThrow(/^((?!hunter)[\s\S])*$/);
    expect(() => loadConfig({ CORRAL_DATA_DIR: dataDir(), NATS_CREDS_FILE: '/no/such.creds' })).toThrow(/NATS_CREDS_FILE: no such file/);
  });

  it('keys the chains with CORRAL_CHAIN_KEY, or with a chain.key made once beside the data, and refuses a weak one', () => {
    const dir = dataDir();
    const body = '{"a":1}';
    const generated = loadConfig({ CORRAL_DATA_DIR: dir }).chain;
    const again = loadConfig({ CORRAL_DATA_DIR: dir }).chain;

    expect(readFileSync(join(dir, 'chain.key'), 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    expect(again.keys.holds('0', body, generated.keys.link('0', body))).toBe(true);
    expect(generated.checkpointFile).toBe(join(dir, 'chain-checkpoints.jsonl'));
    const rotated = loadConfig({ CORRAL_DATA_DIR: dir, CORRAL_CHAIN_KEY: 'n'.repeat(32), CORRAL_CHAIN_RETIRED_KEYS: readFileSync(join(dir, 'chain.key'), 'utf8').trim() }).chain;
    expect(rotated.keys.holds('0', body, generated.keys.link('0', body))).toBe(true);
    expect(() => loadConfig({ CORRAL_DATA_DIR: dir, CORRAL_CHAIN_KEY: 'hunter2' })).toThrow(/CORRAL_CHAIN_KEY: must be at least 32 characters((?!hunter2)[\s\S])*$/);
    expect(() => loadConfig({ CORRAL_DATA_DIR: dir, CORRAL_CHAIN_KEY: 'n'.repeat(32), CORRAL_CHAIN_RETIRED_KEYS: 'short' })).toThrow(/CORRAL_CHAIN_RETIRED_KEYS/);
    const broken = dataDir();
    writeFileSync(join(broken, 'chain.key'), 'short\n');
    expect(() => loadConfig({ CORRAL_DATA_DIR: broken })).toThrow(/chain.key must hold keys of at least 32 characters/);
  });
});

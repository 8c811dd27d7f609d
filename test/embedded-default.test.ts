import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canonical, eventually, getJson, postJson, registerKey } from './support/harness.js';
import { bareEnvironment, freshDirectory, isRunning, LocalCorral, postgresPidOf, removeFreshDirectories, stopPostgres } from './support/fresh-corral.js';
import { freePort } from './support/services.js';

const MAIN = new URL('../dist/src/main.js', import.meta.url).pathname;
const CLI = new URL('../dist/src/cli/corral.js', import.meta.url).pathname;
const run = promisify(execFile);

// Every corral here runs with only PATH, HOME and an HTTP PORT (so suites running side by side do
// not clash on 8080): the embedded PostgreSQL's port is corral's own choice unless a test says.
const started: LocalCorral[] = [];
const postgresPids: Array<number | undefined> = [];
afterAll(() => {
  for (const corral of started) corral.kill();
  for (const pid of postgresPids) stopPostgres(pid);
  removeFreshDirectories();
});

function corralIn(cwd: string, port: number, extra: Record<string, string> = {}): LocalCorral {
  const corral = new LocalCorral(cwd, bareEnvironment(cwd, { PORT: String(port), ...extra }), [process.execPath, MAIN]);
  started.push(corral);
  return corral.start();
}

function cli(cwd: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [CLI, ...args], { cwd, env: bareEnvironment(cwd), timeout: 90_000 });
}

/** What a hospital evaluating corral does first: start it with nothing configured. */
describe('npm start with no environment', () => {
  it('starts embedded Postgres and the in-process bus, takes an event, serves a CLI command from a second terminal, and stops on Ctrl-C', async () => {
    expect(existsSync(MAIN)).toBe(true);
    const cwd = freshDirectory('corral-fresh-');
    const port = await freePort();
    const corral = corralIn(cwd, port);
    const base = `http://127.0.0.1:${port}`;

    // Nothing is open but liveness: the first user gets in with the admin key corral wrote on its
    // first start (never to the log), as the README's first steps say.
    await corral.live(port);
    const dataDir = join(cwd, '.corral');
    postgresPids.push(postgresPidOf(dataDir));
    const keyFile = join(dataDir, 'admin.key');
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    const adminKey = readFileSync(keyFile, 'utf8').trim();
    expect(corral.output).not.toContain(adminKey);
    expect((await getJson(`${base}/v1/incidents`)).status).toBe(401);
    registerKey(base, adminKey);

    const ready = await eventually(
      () => getJson<{ status: string; details: { nats: { transport: string } } }>(`${base}/health/ready`).catch(() => undefined),
      (response) => response?.status === 200,
      60_000,
    );
    expect(ready?.body.details.nats.transport).toBe('in-process');

    const posted = await postJson(`${base}/v1/events?wait=correlated`, canonical({ system: 'epic-discharge', symptom: 'Discharge summary screen frozen' }));
    expect(posted.status).toBe(202);
    const incidents = await getJson<{ items: Array<{ system: string; status: string; title: string }> }>(`${base}/v1/incidents`);
    expect(incidents.body.items).toEqual([expect.objectContaining({ system: 'epic-discharge', status: 'open' })]);
    expect(existsSync(join(dataDir, 'token.key'))).toBe(true);

    // The running server's URL is published for a second terminal, readable by its owner only.
    const url = readFileSync(join(dataDir, 'database.url'), 'utf8').trim();
    expect(url).toMatch(/^postgres:\/\/corral:corral@127\.0\.0\.1:\d+\/corral$/);
    expect(statSync(join(dataDir, 'database.url')).mode & 0o077).toBe(0);
    expect(corral.output).toContain(`using embedded PostgreSQL on port ${new URL(url).port}`);

    // A CLI command while corral runs uses corral's server: no second PostgreSQL on the same files.
    const server = postgresPidOf(dataDir);
    const listed = await cli(cwd, 'keys', 'list');
    expect(listed.stdout).toMatch(/admin\s+crl_[\w-]+….*first admin/);
    expect(postgresPidOf(dataDir)).toBe(server);
    expect(isRunning(server as number)).toBe(true);

    // Ctrl-C reaches corral's process group, not PostgreSQL (its own session): corral commits,
    // then stops the server itself, with no "terminating connection" in between.
    expect(await corral.stop('SIGINT')).toBe(0);
    expect(corral.output).toContain('stopped cleanly');
    expect(corral.output).not.toContain('terminating connection');
    expect(isRunning(server as number)).toBe(false);
    expect(existsSync(join(dataDir, 'database.url'))).toBe(false);
    expect(existsSync(join(dataDir, 'embedded-pg.owner'))).toBe(false);

    // With no corral running, a command starts the embedded server for itself and stops it after.
    const alone = await cli(cwd, 'keys', 'list');
    expect(alone.stdout).toContain('first admin');
    const after = postgresPidOf(dataDir);
    expect(after === undefined || !isRunning(after)).toBe(true);
  }, 150_000);
});

/** A killed corral cannot stop its embedded PostgreSQL; the next start must not trip over it. */
describe('npm start after corral was killed', () => {
  it('stops the embedded PostgreSQL the killed corral left running on its data directory, and starts', async () => {
    const cwd = freshDirectory('corral-killed-');
    const port = await freePort();
    const dataDir = join(cwd, '.corral');

    const first = corralIn(cwd, port);
    await first.live(port);
    const postgresPid = postgresPidOf(dataDir);
    postgresPids.push(postgresPid);
    // A closed terminal: the whole process group is killed outright.
    await first.stop('SIGKILL');
    // The server outlived its corral.
    expect(isRunning(postgresPid as number)).toBe(true);

    const second = corralIn(cwd, port);
    await second.live(port);
    expect(second.output).toContain(`a server left running by an earlier corral (pid ${postgresPid})`);
    expect(isRunning(postgresPid as number)).toBe(false);
    // It works, on the data the first one kept.
    expect((await getJson(`${base(port)}/health/ready`)).status).toBe(200);

    expect(await second.stop('SIGTERM')).toBe(0);
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  }, 150_000);
});

describe('two checkouts on one machine', () => {
  it('both start with no configuration, each on its own embedded PostgreSQL port, and keep their ports', async () => {
    const [a, b] = [freshDirectory('corral-checkout-a-'), freshDirectory('corral-checkout-b-')];
    const [portA, portB] = [await freePort(), await freePort()];
    const first = corralIn(a, portA);
    await first.live(portA);
    const second = corralIn(b, portB);
    await second.live(portB);
    postgresPids.push(postgresPidOf(join(a, '.corral')), postgresPidOf(join(b, '.corral')));

    const pgPortOf = (dir: string) => new URL(readFileSync(join(dir, '.corral', 'database.url'), 'utf8').trim()).port;
    const [pgA, pgB] = [pgPortOf(a), pgPortOf(b)];
    expect(pgA).not.toBe(pgB);
    // The one that could not have 54329 said which port it took instead.
    if (pgB !== '54329') expect(second.output).toContain(`using port ${pgB}, kept for the next start`);
    for (const port of [portA, portB]) expect((await getJson(`${base(port)}/health/ready`)).status).toBe(200);

    expect(await second.stop('SIGTERM')).toBe(0);
    // Restarted while the other still holds 54329 (or whatever it has), it keeps its port.
    const again = corralIn(b, portB);
    await again.live(portB);
    expect(pgPortOf(b)).toBe(pgB);
    expect(await again.stop('SIGTERM')).toBe(0);
    expect(await first.stop('SIGTERM')).toBe(0);
  }, 150_000);
});

describe('a first start cut short', () => {
  let blocker: Server | undefined;
  afterAll(() => blocker?.close());

  it('refuses an explicit EMBEDDED_PG_PORT that is taken, naming it, and the next start finishes creating the database', async () => {
    const cwd = freshDirectory('corral-cut-');
    const [port, pgPort] = [await freePort(), await freePort()];
    blocker = await listen(pgPort);

    const first = corralIn(cwd, port, { EMBEDDED_PG_PORT: String(pgPort) });
    expect(await first.exit()).toBe(1);
    expect(first.output).toContain(`EMBEDDED_PG_PORT=${pgPort} is in use by another program`);
    // initdb was done, the database was not created: the state that used to need rm -rf .corral.
    expect(existsSync(join(cwd, '.corral', 'pg', 'PG_VERSION'))).toBe(true);

    await new Promise((resolve) => blocker?.close(resolve));
    const second = corralIn(cwd, port, { EMBEDDED_PG_PORT: String(pgPort) });
    await second.live(port);
    postgresPids.push(postgresPidOf(join(cwd, '.corral')));
    expect(second.output).toContain('database \\"corral\\" was missing (an earlier first start was cut short); created it');
    expect((await getJson(`${base(port)}/health/ready`)).status).toBe(200);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 150_000);

  it('starts over an initdb that was killed half-way', async () => {
    const cwd = freshDirectory('corral-initdb-');
    const port = await freePort();
    const dataDir = join(cwd, '.corral');
    const first = corralIn(cwd, port);
    await eventually(
      () => Promise.resolve(existsSync(dataDir) && readdirSync(dataDir).some((name) => name.startsWith('pg.initdb-'))),
      (found) => found,
      60_000,
    );
    await first.stop('SIGKILL');
    expect(existsSync(join(dataDir, 'pg'))).toBe(false);

    const second = corralIn(cwd, port);
    await second.live(port);
    postgresPids.push(postgresPidOf(dataDir));
    expect(readdirSync(dataDir).filter((name) => name.startsWith('pg.'))).toEqual([]);
    expect((await getJson(`${base(port)}/health/ready`)).status).toBe(200);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 150_000);
});

function base(port: number): string {
  return `http://127.0.0.1:${port}`;
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

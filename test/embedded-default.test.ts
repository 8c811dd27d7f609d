import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonical, eventually, getJson, postJson, registerKey } from './support/harness.js';
import { freePort } from './support/services.js';

const MAIN = new URL('../dist/src/main.js', import.meta.url).pathname;


/** What a hospital evaluating corral does first: start it with nothing configured. */
describe('npm start with no environment', () => {
  let corral: ChildProcess | undefined;
  let output = '';

  afterAll(() => {
    corral?.kill('SIGKILL');
  });

  it('starts embedded Postgres and the in-process bus, takes an event, shows the incident, and stops cleanly', async () => {
    expect(existsSync(MAIN)).toBe(true);
    const cwd = mkdtempSync(join(tmpdir(), 'corral-fresh-'));
    // Like a fresh clone: a world-traversable directory (embedded Postgres runs as "postgres" under root).
    chmodSync(cwd, 0o755);
    const [port, pgPort] = [await freePort(), await freePort()];
    // Only what any shell has, plus ports that cannot clash with other suites: no DATABASE_URL, no NATS_URL, no key.
    const env = { PATH: process.env.PATH ?? '', HOME: cwd, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort) };
    const child = spawn(process.execPath, [MAIN], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    corral = child;
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const base = `http://127.0.0.1:${port}`;

    // Nothing is open but liveness: the first user gets in with the admin key corral wrote on its
    // first start (never to the log), as the README's first steps say.
    await eventually(() => getJson(`${base}/health/live`).catch(() => undefined), (response) => response?.status === 200, 60_000).catch((error: unknown) => {
      throw new Error(`corral did not come up: ${String(error)}\n--- its output ---\n${output.slice(-4000)}`);
    });
    const keyFile = join(cwd, '.corral', 'admin.key');
    expect(statSync(keyFile).mode & 0o077).toBe(0);
    const adminKey = readFileSync(keyFile, 'utf8').trim();
    expect(output).not.toContain(adminKey);
    expect((await getJson(`${base}/v1/incidents`)).status).toBe(401);
    registerKey(base, adminKey);

    const ready = await eventually(
      () => getJson<{ status: string; details: { nats: { transport: string } } }>(`${base}/health/ready`).catch(() => undefined),
      (response) => response?.status === 200,
      60_000,
    ).catch((error: unknown) => {
      throw new Error(`corral did not become ready: ${String(error)}\n--- its output ---\n${output.slice(-4000)}`);
    });
    expect(ready?.body.details.nats.transport).toBe('in-process');

    const posted = await postJson(`${base}/v1/events`, canonical({ system: 'epic-discharge', symptom: 'Discharge summary screen frozen' }));
    expect(posted.status).toBe(202);
    const incidents = await getJson<{ items: Array<{ system: string; status: string; title: string }> }>(`${base}/v1/incidents`);
    expect(incidents.body.items).toEqual([expect.objectContaining({ system: 'epic-discharge', status: 'open' })]);
    expect(existsSync(join(cwd, '.corral', 'pg', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(cwd, '.corral', 'token.key'))).toBe(true);

    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(output).toContain('embedded PostgreSQL');
  }, 90_000);
});

/** A killed corral cannot stop its embedded PostgreSQL; the next start must not trip over it. */
describe('npm start after corral was killed', () => {
  const children: ChildProcess[] = [];
  let postgresPid = 0;

  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
    // Never leave a server behind, whatever failed.
    try {
      if (postgresPid) process.kill(postgresPid, 'SIGINT');
    } catch {
      // already gone
    }
  });

  it('stops the embedded PostgreSQL the killed corral left running on its data directory, and starts', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'corral-killed-'));
    chmodSync(cwd, 0o755);
    const [port, pgPort] = [await freePort(), await freePort()];
    const env = { PATH: process.env.PATH ?? '', HOME: cwd, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort) };
    const base = `http://127.0.0.1:${port}`;
    const start = () => {
      const child = spawn(process.execPath, [MAIN], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      const run = { child, output: '' };
      child.stdout?.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => (run.output += chunk.toString()));
      return run;
    };
    const live = (run: { output: string }) =>
      eventually(() => getJson(`${base}/health/live`).catch(() => undefined), (response) => response?.status === 200, 60_000).catch((error: unknown) => {
        throw new Error(`corral did not come up: ${String(error)}\n--- its output ---\n${run.output.slice(-4000)}`);
      });

    const first = start();
    await live(first);
    const pidFile = join(cwd, '.corral', 'pg', 'postmaster.pid');
    postgresPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    const killed = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await killed;
    // The server outlived its corral.
    expect(() => process.kill(postgresPid, 0)).not.toThrow();

    const second = start();
    await live(second);
    expect(second.output).toContain(`a server left running by an earlier corral (pid ${postgresPid})`);
    expect(() => process.kill(postgresPid, 0)).toThrow();
    // It works, on the data the first one kept.
    expect((await getJson(`${base}/health/ready`)).status).toBe(200);

    const exit = new Promise<number | null>((resolve) => second.child.once('exit', (code) => resolve(code)));
    second.child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
  }, 150_000);
});

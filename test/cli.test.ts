import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { CHAIN_KEY, TOKEN_KEY, useMigratedDatabase, withClient } from './support/harness.js';
import { freePort } from './support/services.js';

// The command line as an operator meets it: bin/corral.js (what `npx corral` runs) spawned with
// nothing but the environment a shell, cron or `docker exec` would give it.

const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'corral.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(command: string, args: string[], env: Record<string, string>, cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr, ms: performance.now() - started }));
  });
}

const corral = (args: string[], env: Record<string, string> = {}, cwd?: string) => run(process.execPath, [BIN, ...args], env, cwd);

/** Parses the whole of stdout: anything printed beside the JSON fails it. */
function pureJson<T = Record<string, unknown>>(result: Run): T {
  if (result.code !== 0) throw new Error(`exit ${String(result.code)}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

describe('corral --help', () => {
  it.each([
    [[], /^Usage: corral \[options\] \[command\]/],
    [['migrate'], /^Usage: corral migrate \[options\]/],
    [['keys'], /^Usage: corral keys \[options\] \[command\]/],
    [['keys', 'create'], /^Usage: corral keys create \[options\][\s\S]*--role <role>[\s\S]*--label <text>[\s\S]*--expires <when>[\s\S]*--as <name>/],
    [['keys', 'list'], /^Usage: corral keys list \[options\][\s\S]*--json/],
    [['keys', 'revoke'], /^Usage: corral keys revoke \[options\] <id>/],
    [['audit', 'verify'], /^Usage: corral audit verify \[options\][\s\S]*--quiet/],
    [['purge'], /^Usage: corral purge \[options\][\s\S]*--before <date>[\s\S]*--retention[\s\S]*--dry-run/],
    [['dlq', 'replay'], /^Usage: corral dlq replay \[options\][\s\S]*--reason <reason>[\s\S]*CORRAL_API_KEY/],
    [['deliveries', 'skip'], /^Usage: corral deliveries skip \[options\][\s\S]*--destination <destination>[\s\S]*--incident <id>/],
    [['rules', 'check'], /^Usage: corral rules check \[options\] \[dir\]/],
    [['rules', 'test'], /^Usage: corral rules test \[options\] <cases>/],
  ])('corral %j --help prints its usage on stdout and exits 0', async (command, usage) => {
    const help = await corral([...command, '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(usage);
  });

  it('answers `npx corral --help` from the project in under 2 s, without a build', async () => {
    // CPU seconds of the whole process tree (npm, the shell it starts, corral), from bash's `time`:
    // what the command costs, whatever else the machine runs; the least of three runs, as contention
    // only adds. Wall-clock time on a shared CI machine measures the neighbours too; it is printed.
    const built = statSync(join(ROOT, 'dist', 'src', 'cli', 'corral.js')).mtimeMs;
    const runs: Array<{ cpu: number; wall: number }> = [];
    for (let i = 0; i < 3; i += 1) {
      const timed = await run('bash', ['-c', 'TIMEFORMAT="%3U %3S %3R"; time npx --no-install corral --help'], { HOME: process.env.HOME ?? tmpdir() });
      expect(timed.code).toBe(0);
      expect(timed.stdout).toMatch(/^Usage: corral/);
      const [user, system, wall] = (/(\d+\.\d+) (\d+\.\d+) (\d+\.\d+)\s*$/.exec(timed.stderr) ?? []).slice(1).map(Number);
      runs.push({ cpu: (user ?? Infinity) + (system ?? Infinity), wall: wall ?? Infinity });
    }
    process.stderr.write(`npx corral --help: ${runs.map((r) => `${r.cpu.toFixed(2)} s CPU (${r.wall.toFixed(2)} s wall clock)`).join(', ')}\n`);
    expect(Math.min(...runs.map((r) => r.cpu))).toBeLessThan(2);
    expect(statSync(join(ROOT, 'dist', 'src', 'cli', 'corral.js')).mtimeMs).toBe(built);
  }, 90_000);
});

describe('a command line corral cannot carry out', () => {
  it('refuses an unknown command with exit 2 and the usage on stderr, nothing on stdout', async () => {
    const refused = await corral(['bogus']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/unknown command 'bogus'/);
    expect(refused.stderr).toMatch(/Usage: corral \[options\] \[command\]/);
  });

  it('refuses an unknown option, a missing argument, a bad value or no command at all with exit 2 and the command\'s usage', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['keys', 'list', '--bogus'], /unknown option '--bogus'[\s\S]*Usage: corral keys list/],
      [['keys', 'revoke'], /missing required argument 'id'[\s\S]*Usage: corral keys revoke/],
      [['keys', 'create', '--role', 'superuser', '--label', 'x'], /Allowed choices are ingest, agent, leadership, auditor, admin[\s\S]*Usage: corral keys create/],
      [['keys', 'create', '--role', 'agent'], /required option '--label <text>' not specified/],
      [['purge'], /give either --before <date> or --retention[\s\S]*Usage: corral purge/],
      [['purge', '--before', 'yesterday'], /'yesterday' is invalid/],
      [['dlq', 'replay', '--limit', 'many'], /'many' is invalid/],
      [[], /Usage: corral \[options\] \[command\]/],
      [['keys'], /Usage: corral keys \[options\] \[command\]/],
    ];
    for (const [args, message] of cases) {
      const refused = await corral(args);
      expect({ args, code: refused.code, stdout: refused.stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(refused.stderr).toMatch(message);
    }
  }, 60_000);

  it('says what to do next when the database cannot be reached or is not migrated, and exits 1', async () => {
    const port = await freePort();
    const down = await corral(['keys', 'list'], { DATABASE_URL: `postgres://corral@127.0.0.1:${port}/corral`, CORRAL_TOKEN_KEY: TOKEN_KEY, CORRAL_CHAIN_KEY: CHAIN_KEY });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/ECONNREFUSED[\s\S]*is PostgreSQL running, and is DATABASE_URL right\?/);
    expect(down.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('corral against PostgreSQL at DATABASE_URL', () => {
  const suite = useMigratedDatabase();
  let dataDir: string;
  const env = (extra: Record<string, string> = {}) => ({ DATABASE_URL: suite.db.url, CORRAL_TOKEN_KEY: TOKEN_KEY, CORRAL_CHAIN_KEY: CHAIN_KEY, CORRAL_DATA_DIR: dataDir, USER: 'ops', ...extra });
  const actorOf = async (keyId: string) =>
    withClient(suite.db.url, async (c) => (await c.query<{ actor: string }>(`SELECT actor FROM audit WHERE action = 'key.create' AND target = $1`, [keyId])).rows.map((r) => r.actor));

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'corral-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints pure JSON on stdout with --json, for every command that prints data', async () => {
    expect(pureJson<{ applied: string[] }>(await corral(['migrate', '--json'], env()))).toEqual({ applied: [] });

    const created = pureJson<{ id: string; key: string; role: string; expiresAt: string }>(await corral(['keys', 'create', '--role', 'auditor', '--label', 'Privacy office', '--expires', '30d', '--json'], env()));
    expect(created).toEqual(expect.objectContaining({ role: 'auditor', label: 'Privacy office', createdBy: 'cli:ops' }));
    expect(created.key).toMatch(/^crl_[\w-]{43}$/);
    expect(Date.parse(created.expiresAt)).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    const listed = pureJson<Array<{ id: string; state: string; prefix: string }>>(await corral(['keys', 'list', '--json'], env()));
    expect(listed).toContainEqual(expect.objectContaining({ id: created.id, state: 'live' }));
    expect(JSON.stringify(listed)).not.toContain(created.key);

    expect(pureJson(await corral(['keys', 'revoke', created.id, '--json'], env()))).toEqual({ id: created.id, revoked: true });
    expect(pureJson<Array<{ id: string; state: string }>>(await corral(['keys', 'list', '--json'], env())).find((k) => k.id === created.id)?.state).toBe('revoked');

    expect(pureJson(await corral(['audit', 'verify', '--json'], env()))).toEqual(expect.objectContaining({ ok: true, audit: expect.objectContaining({ brokenRows: 0 }) }));
    expect(pureJson(await corral(['purge', '--before', '2020-01-01', '--dry-run', '--json'], env()))).toEqual(expect.objectContaining({ dryRun: true, incidents: 0 }));
    expect(pureJson(await corral(['dlq', 'replay', '--json'], env({ CORRAL_URL: 'http://127.0.0.1:9' })))).toEqual(expect.objectContaining({ accepted: 0, failed: 0, attempts: [] }));
    expect(pureJson(await corral(['rules', 'check', '--json']))).toEqual(expect.objectContaining({ valid: true, sections: expect.objectContaining({ signatures: expect.any(Array) }) }));
  }, 120_000);

  it('keeps progress on stderr, and --quiet silences it', async () => {
    const loud = await corral(['purge', '--before', '2020-01-01', '--dry-run', '--json'], env());
    expect(loud.stderr).toMatch(/would forget 0 incident\(s\)/);
    const quiet = await corral(['purge', '--before', '2020-01-01', '--dry-run', '--json', '--quiet'], env());
    expect(quiet.stderr).toBe('');
    expect(JSON.parse(quiet.stdout)).toEqual(JSON.parse(loud.stdout));
  }, 60_000);

  it('records the operator from --as, else SUDO_USER, else USER, else the OS account', async () => {
    const create = async (extra: Record<string, string>, args: string[] = []) =>
      pureJson<{ id: string }>(await corral(['keys', 'create', '--role', 'agent', '--label', 'Service desk', '--json', ...args], { DATABASE_URL: suite.db.url, CORRAL_TOKEN_KEY: TOKEN_KEY, CORRAL_CHAIN_KEY: CHAIN_KEY, CORRAL_DATA_DIR: dataDir, ...extra })).id;

    expect(await actorOf(await create({ SUDO_USER: 'jdoe', USER: 'root' }, ['--as', 'oncall-7']))).toEqual(['cli:oncall-7']);
    // sudo keeps the human in SUDO_USER while USER becomes root.
    expect(await actorOf(await create({ SUDO_USER: 'jdoe', USER: 'root' }))).toEqual(['cli:jdoe']);
    expect(await actorOf(await create({ USER: 'ops' }))).toEqual(['cli:ops']);
    // cron, systemd and `docker exec` set no USER: the account the process runs as.
    expect(await actorOf(await create({}))).toEqual([`cli:${userInfo().username}`]);
  }, 120_000);

  it('refuses an operator name that is no account code, before anything is written', async () => {
    const count = () => withClient(suite.db.url, async (c) => Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM api_key`)).rows[0]?.n));
    const before = await count();
    const named = await corral(['keys', 'create', '--role', 'agent', '--label', 'x', '--as', 'John Smith'], env());
    expect(named.code).toBe(2);
    expect(named.stderr).toMatch(/--as "John Smith" is not an account code/);
    const fromEnv = await corral(['keys', 'create', '--role', 'agent', '--label', 'x'], env({ USER: 'Jane Doe' }));
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toMatch(/USER .* is not an account code.*--as <account>/);
    expect(await count()).toBe(before);
  }, 60_000);

  it('keeps a key label as free text: no control characters, identifiers scrubbed, cut to 200 characters, in its answer, the table and the audit trail', async () => {
    const mrn = '4455667';
    const hostile = `desk\u0001for MRN ${mrn} 🩺${'x'.repeat(5000)}`;
    const created = pureJson<{ id: string; label: string }>(await corral(['keys', 'create', '--role', 'agent', '--label', hostile, '--json'], env()));
    const stored = await withClient(suite.db.url, async (c) => ({
      label: (await c.query<{ label: string }>(`SELECT label FROM api_key WHERE id = $1`, [created.id])).rows[0]?.label,
      audit: JSON.stringify((await c.query(`SELECT detail FROM audit WHERE action = 'key.create' AND target = $1`, [created.id])).rows),
    }));
    for (const text of [created.label, stored.label ?? '', stored.audit]) {
      expect(text).not.toContain(mrn);
      expect(text.includes(String.fromCharCode(1)) || text.includes('\\u0001')).toBe(false);
    }
    expect(stored.label).toBe(created.label);
    expect([...created.label].length).toBeLessThanOrEqual(200);
    expect(created.label).toMatch(/^desk for \[redacted:mrn\] 🩺x/);
    // Nothing left once the controls are gone: refused, nothing written.
    expect((await corral(['keys', 'create', '--role', 'agent', '--label', '\u0001\u0002'], env())).code).toBe(1);
  }, 60_000);
});

describe('corral on the embedded PostgreSQL', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'corral-cli-embedded-'));
    // Embedded PostgreSQL runs as "postgres" under root: the directory must be traversable.
    chmodSync(dir, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps stdout pure JSON while it starts, initialises and stops its own PostgreSQL', async () => {
    const env = { HOME: dir, EMBEDDED_PG_PORT: String(await freePort()), USER: 'ops' };
    const migrated = pureJson<{ applied: string[] }>(await corral(['migrate', '--json'], env, dir));
    expect(migrated.applied.length).toBeGreaterThan(0);
    const created = pureJson<{ id: string }>(await corral(['keys', 'create', '--role', 'admin', '--label', 'first admin', '--json'], env, dir));
    expect(pureJson<Array<{ id: string }>>(await corral(['keys', 'list', '--json'], env, dir)).map((k) => k.id)).toEqual([created.id]);
  }, 180_000);
});

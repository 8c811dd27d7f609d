import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAIN_KEY, createTestDatabase, TOKEN_KEY, type TestDatabase } from './support/harness.js';
import { freePort } from './support/services.js';

// corral as an operator starts it: the built dist, its own working directory, the real log.
const MAIN = new URL('../dist/src/main.js', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts corral and returns when it exits, or when `until` matches its stdout (then it is stopped with SIGTERM). */
function runCorral(env: Record<string, string>, cwd: string, until?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until?.test(stdout) && child.exitCode === null) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const folder = () => mkdtempSync(join(tmpdir(), 'corral-config-start-'));

describe('configuration at start', () => {
  it('refuses a bad configuration with every problem at once and no stack trace', async () => {
    const run = await runCorral(
      { CORRAL_DATA_DIR: folder(), PORT: 'abc', CORRAL_CLUSTER: 'yes', CLUSTER_PARTITIONS: '0', NATS_USER: 'corral', CORRAL_TOKEN_KEY: 'hunter2', TIMER_POLL_MS: 'often' },
      folder(),
    );

    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe('corral cannot start: 6 configuration problems');
    for (const name of ['PORT', 'CORRAL_CLUSTER', 'CLUSTER_PARTITIONS', 'NATS_USER', 'CORRAL_TOKEN_KEY', 'TIMER_POLL_MS']) {
      expect(lines.filter((line) => line.startsWith(`  - ${name}:`) || line.startsWith(`  - ${name},`))).toHaveLength(1);
    }
    expect(lines.slice(1).every((line) => / e\.g\. [A-Z_]+=/.test(line))).toBe(true);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).not.toContain('hunter2');
  }, 60_000);

  it('reads .env from its working directory, the environment winning', async () => {
    const cwd = folder();
    writeFileSync(join(cwd, '.env'), 'PORT=abc\nCLUSTER_PARTITIONS=5000\nCORRAL_JOURNAL_KEY=short-secret-from-the-file\n');

    const run = await runCorral({ CORRAL_DATA_DIR: folder(), PORT: '0' }, cwd);

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/CLUSTER_PARTITIONS: must be a whole number 1–1024 \(got "5000"\)/);
    expect(run.stderr).toMatch(/CORRAL_JOURNAL_KEY: must be at least 32 characters/);
    expect(run.stderr).not.toContain('PORT');
    expect(run.stderr).not.toContain('short-secret-from-the-file');
  }, 60_000);

  it('stops at once when CORRAL_ENV_FILE names a file that is not there', async () => {
    const run = await runCorral({ CORRAL_DATA_DIR: folder(), CORRAL_ENV_FILE: 'missing.env' }, folder());

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/CORRAL_ENV_FILE: no such file .*missing\.env/);
  }, 60_000);

  describe('started', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db.drop();
    });

    it('logs a short start at info: version, Node, database without password, listening URL and /docs, no secret', async () => {
      const cwd = folder();
      const url = new URL(db.url);
      url.password = 'pg-password-never-logged';
      writeFileSync(join(cwd, '.env'), `CORRAL_JOURNAL_KEY=journal-key-from-the-env-file-0123456789\n`);
      const port = await freePort();

      const run = await runCorral(
        { DATABASE_URL: url.toString(), PORT: String(port), HOST: '127.0.0.1', CORRAL_TOKEN_KEY: TOKEN_KEY, CORRAL_CHAIN_KEY: CHAIN_KEY, CORRAL_DATA_DIR: folder(), LOG_LEVEL: 'info' },
        cwd,
        /corral listening on/,
      );

      const start = run.stdout.slice(0, run.stdout.indexOf('\n', run.stdout.indexOf('corral listening on')) + 1).trim().split('\n');
      const messages = start.map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(start.length).toBeLessThanOrEqual(15);
      expect(messages).toContain(`corral listening on http://127.0.0.1:${port} (OpenAPI at http://127.0.0.1:${port}/docs)`);
      expect(messages[0]).toMatch(new RegExp(`^corral \\d+\\.\\d+\\.\\d+\\S* on Node v\\d+.*; database 127\\.0\\.0\\.1:5432${url.pathname} as \\w+; bus in-process; configuration from the environment and ${cwd}/\\.env \\(1 set from it\\)$`));
      expect(messages.some((message) => /Mapped|dependencies initialized/.test(message))).toBe(false);
      for (const secret of ['pg-password-never-logged', TOKEN_KEY, CHAIN_KEY, 'journal-key-from-the-env-file']) expect(run.stdout + run.stderr).not.toContain(secret);
    }, 60_000);
  });
});

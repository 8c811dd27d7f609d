import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { eventually } from './support/harness.js';
import { freshDirectory, isRunning, LocalCorral, postgresPidOf, removeFreshDirectories, stopPostgres } from './support/fresh-corral.js';
import { freePort } from './support/services.js';
import { isFree } from '../src/modules/database/embedded-port.js';

const run = promisify(execFile);
const REPO = new URL('..', import.meta.url).pathname;
const README_PORT = 8080;

/**
 * The README's first steps, as a newcomer takes them: a fresh clone of the committed HEAD,
 * `npm ci && npm start` with no corral environment at all, then the "Try it" block, command by
 * command, as written in the clone's README (from a second terminal: separate processes), each
 * one's output checked. The README cannot drift from what this runs: the block is parsed, and its
 * commands must be the ones this test knows how to check.
 */
describe('README quick start on a fresh clone', () => {
  let corral: LocalCorral | undefined;
  let postgresPid: number | undefined;
  afterAll(() => {
    corral?.kill();
    stopPostgres(postgresPid);
    removeFreshDirectories();
  });

  it('npm ci && npm start, then every "Try it" step, then Ctrl-C and a second start', async () => {
    const clone = freshDirectory('corral-clone-');
    execFileSync('git', ['clone', '--quiet', '--no-checkout', REPO, clone]);
    execFileSync('git', ['-C', clone, 'checkout', '--quiet', execFileSync('git', ['-C', REPO, 'rev-parse', 'HEAD']).toString().trim()]);

    // Only what a login shell has: this Node first on PATH, and HOME (npm's cache lives there, so
    // --prefer-offline can use it). No DATABASE_URL, NATS_URL, CORRAL_*, EMBEDDED_PG_PORT; the
    // embedded PostgreSQL picks its own port when 54329 is busy (another suite, another checkout).
    // The one concession: when something else already holds 8080 on this machine, PORT moves the
    // HTTP port and the README's commands are run with that port in place of 8080.
    const port = (await isFree(README_PORT)) ? README_PORT : await freePort();
    const env: Record<string, string> = {
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? clone,
      ...(port === README_PORT ? {} : { PORT: String(port) }),
    };
    await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, env, timeout: 240_000 });

    corral = new LocalCorral(clone, env, ['npm', 'start']).start();
    await corral.live(port, 120_000);
    const dataDir = join(clone, '.corral');
    postgresPid = postgresPidOf(dataDir);

    const steps = tryItSteps(readFileSync(join(clone, 'README.md'), 'utf8'));
    const [exportKey, alias, postAlert, listOpen, getOne, publishSample, createKey, useKey] = steps;
    expect(steps.map((step) => step.kind)).toEqual(['export-key', 'alias', 'post-alert', 'list-open', 'get-one', 'publish-sample', 'create-key', 'use-key']);
    // Every step runs in a shell of its own (a terminal the user opened beside corral's), with the
    // export and the alias the README has typed first.
    const shell = async (step: Step, substitute: (command: string) => string = (c) => c) => {
      const script = [exportKey, alias, step].map((s) => substitute(s.command).replaceAll(`localhost:${README_PORT}`, `localhost:${port}`)).join('\n');
      const { stdout } = await run('bash', ['-O', 'expand_aliases', '-c', script], { cwd: clone, env, timeout: 120_000 });
      return stdout;
    };

    // One alert: the README shows what comes back, and it is what comes back.
    const posted = await shell(postAlert);
    // The README cannot know the incident's id: `<id>` stands for whatever corral answered.
    const landedIn = (JSON.parse(posted) as { incidents?: Array<{ incidentId: string }> }).incidents?.[0]?.incidentId ?? '';
    expect(JSON.parse(posted)).toEqual(JSON.parse(expectedOutput(postAlert).replace('"<id>"', JSON.stringify(landedIn))));
    expect(landedIn).toMatch(/^[0-9a-f-]{36}$/);

    const open = JSON.parse(await shell(listOpen)) as { items: Array<{ id: string; status: string; system: string }> };
    expect(open.items).toEqual([expect.objectContaining({ status: 'open', system: 'epic-adt' })]);
    const id = open.items[0]?.id;

    const one = JSON.parse(await shell(getOne, (c) => c.replace('<id>', id))) as { id: string; children: unknown[] };
    expect(one.id).toBe(id);
    expect(one.children).toHaveLength(1);

    // The sample: 70 events around now, three incidents (the alert above joined one of them).
    const sample = await shell(publishSample);
    expect(sample).toMatch(/→ 202 \{ accepted: 70, duplicates: 0, rejected: \[\] \}/);
    expect(sample.match(/^ {2}P\d .*children/gm)).toHaveLength(3);
    // It prints a blast-radius ?at= command for an instant just after it: that answer shows the outage.
    const atCommand = /^ {2}(curl .*blast-radius\?at=.*)$/m.exec(sample)?.[1];
    expect(atCommand).toBeDefined();
    const at = await eventually(
      async () => JSON.parse(await shell({ kind: 'use-key', command: atCommand as string, expected: '' })) as { totals?: { incidents: number } },
      (answer) => answer.totals?.incidents === 3,
      10_000,
    );
    expect(at.totals?.incidents).toBe(3);

    // From yet another terminal, while corral runs: a key of one's own, then a request with it.
    const created = await shell(createKey);
    const key = /crl_[A-Za-z0-9_-]{20,}/.exec(created)?.[0];
    expect(key).toBeDefined();
    // It used corral's own PostgreSQL: no second server was started on the same files.
    expect(postgresPidOf(dataDir)).toBe(postgresPid);
    const withKey = JSON.parse(await shell(useKey, (c) => c.replace('crl_…', key as string))) as { items: unknown[] };
    expect(withKey.items).toHaveLength(3);

    // Ctrl-C in corral's terminal: a clean stop that takes its PostgreSQL down too. npm itself
    // reports the Ctrl-C (it ends by SIGINT, as it does for any script); corral's own word is its log.
    expect(await corral.stop('SIGINT')).toBe('SIGINT');
    expect(corral.output).toContain('stopped cleanly');
    expect(isRunning(postgresPid as number)).toBe(false);
    expect(existsSync(join(dataDir, 'database.url'))).toBe(false);

    // And .corral/ is fit for the next start (start:prod: the same start without building again).
    corral = new LocalCorral(clone, env, ['npm', 'run', 'start:prod']).start();
    await corral.live(port, 120_000);
    postgresPid = postgresPidOf(dataDir);
    expect(isRunning(postgresPid as number)).toBe(true);
    expect(await corral.stop('SIGINT')).toBe('SIGINT');
    expect(corral.output).toContain('stopped cleanly');
    expect(isRunning(postgresPid as number)).toBe(false);
  }, 420_000);
});

type StepKind = 'export-key' | 'alias' | 'post-alert' | 'list-open' | 'get-one' | 'publish-sample' | 'create-key' | 'use-key';
interface Step {
  kind: StepKind;
  command: string;
  /** The `# → …` line under it in the README, if any. */
  expected: string;
}

const KINDS: Array<[RegExp, StepKind]> = [
  [/^export CORRAL_API_KEY=\$\(cat \.corral\/admin\.key\)$/, 'export-key'],
  [/^alias ccurl=/, 'alias'],
  [/^ccurl -s -X POST 'localhost:8080\/v1\/events\?wait=correlated' /, 'post-alert'],
  [/^ccurl -s 'localhost:8080\/v1\/incidents\?status=open'/, 'list-open'],
  [/^ccurl -s localhost:8080\/v1\/incidents\/<id>/, 'get-one'],
  [/^npm run publish-sample$/, 'publish-sample'],
  [/^(npx corral|npm run corral --) keys create --role \w+ --label "[^"]+"$/, 'create-key'],
  [/^curl -s -H "Authorization: Bearer crl_…" 'localhost:8080\/v1\/incidents\?status=open'$/, 'use-key'],
];

/** The commands of the README's first "Try it" sh block: a command runs on while a quote is open. */
function tryItSteps(readme: string): Step[] {
  const section = readme.slice(readme.indexOf('## Try it'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const steps: Step[] = [];
  let pending = '';
  for (const line of block.split('\n')) {
    if (!pending && (line.trim() === '' || line.startsWith('#'))) {
      const last = steps.at(-1);
      if (last && line.startsWith('# →')) last.expected = line.slice(3).trim();
      continue;
    }
    pending = pending ? `${pending}\n${line}` : line;
    if ((pending.match(/'/g) ?? []).length % 2 === 1) continue;
    // A trailing "# comment" stays: bash ignores it, as it does for the user.
    const command = pending;
    const kind = KINDS.find(([pattern]) => pattern.test(command))?.[1];
    if (!kind) throw new Error(`README "Try it" has a command quick-start.test.ts does not know how to check: ${command}`);
    steps.push({ kind, command, expected: '' });
    pending = '';
  }
  return steps;
}

function expectedOutput(step: Step): string {
  if (!step.expected) throw new Error(`README "Try it": no "# → …" line under: ${step.command}`);
  return step.expected;
}

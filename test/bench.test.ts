import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResult } from '../bench/report.js';
import { CORRAL_NODE_FLAGS } from '../bench/services.js';
import { ENV, required } from './support/services.js';

// `npm run bench -- --quick` end to end, so the benchmark keeps working as corral changes. It
// needs the real Alertmanager, like test/adapters/alertmanager-e2e.test.ts.
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const present = existsSync(ALERTMANAGER);
if (!present) {
  if (process.env.CI) throw new Error('prometheus-alertmanager must be installed in CI (.ci/run installs it)');
  console.warn('\n*** bench: SKIPPED LOUDLY: prometheus-alertmanager is not installed here (apt-get install prometheus-alertmanager) ***\n');
}
const maybe = present ? it : it.skip;

describe('npm run bench -- --quick', () => {
  maybe('drives Alertmanager and corral with the same workload and reports every measurement', () => {
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'bench/tsconfig.json'], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    const out = join(mkdtempSync(join(tmpdir(), 'corral-bench-test-')), 'BENCHMARKS.md');
    const run = spawnSync(process.execPath, ['dist/bench/run.js', '--quick', '--out', out], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_PG_ADMIN_URL: required(ENV.pgAdminUrl), BENCH_NATS_URL: required(ENV.natsUrl) },
      timeout: 150_000,
    });
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });
    const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as BenchResult;

    // Every round: both took every alert, and corral's correlation caught up before the next.
    expect(result.rounds.length).toBeGreaterThanOrEqual(3);
    for (const round of result.rounds) {
      expect(round.alertmanager.perSecond).toBeGreaterThan(0);
      expect(round.corral.perSecond).toBeGreaterThan(0);
      expect(round.correlation.caughtUp).toBe(true);
      expect(round.correlation.seconds).toBeGreaterThanOrEqual(round.corral.seconds);
      // Each of the round's alerts answered once, as accepted or as a duplicate. Only a resend (or
      // a first firing overtaken by its own resolve) is one: rounds share no alert.
      expect((round.corral.answers?.accepted ?? 0) + (round.corral.answers?.duplicates ?? 0)).toBe(round.corral.alerts);
      expect(round.corral.answers?.duplicates ?? 0).toBeLessThanOrEqual(round.mix.repeats + round.mix.resolves);
    }
    const mix = result.roundsSummary.mix;
    expect(result.alertmanagerPerAlert.perSecond).toBeGreaterThan(0);
    // Both Alertmanagers kept every alert that was not resolved (a resend landing after its
    // resolve counts as firing again, so there may be a few more).
    expect(result.alertmanagerActive).toBeGreaterThanOrEqual(mix.fresh - mix.resolves);
    expect(result.alertmanagerPerAlert.active).toBeGreaterThanOrEqual(result.rounds[0].mix.fresh - result.rounds[0].mix.resolves);
    // The floor phase appended every alert of round 1, once.
    expect(result.floor.rows).toBe(result.floor.alerts);
    expect(result.floor.alerts).toBe(result.rounds[0].corral.alerts);
    // corral kept every alert of every round, once: each new alert a child, each resend a repeat on
    // its child (a build that correlates before its 202 also answers it as a duplicate) or a
    // duplicate at the inbox that never reaches the child (a build with an inbox). With requests in
    // flight together, a resolve can overtake its alert's first firing; that late, older firing is
    // then a repeat too (by design: it must not undo the newer resolve).
    const resends = Math.max(result.corralKept.repeats, result.roundsSummary.duplicates);
    expect(result.corralKept.children).toBe(mix.fresh);
    expect(resends).toBeGreaterThanOrEqual(mix.repeats);
    expect(resends).toBeLessThanOrEqual(mix.repeats + mix.resolves);
    // Every request answered (the full run's verdict asks for 202s only; a quick run on a busy
    // machine may see a refusal, and counts it apart).
    const answered = Object.values(result.latency.statuses).reduce((sum, count) => sum + count, 0);
    expect(answered + result.latency.errors).toBe(result.latency.requests);
    expect(result.latency.statuses['202']).toBeGreaterThan(0);
    expect(result.latency.correlation.caughtUp).toBe(true);
    expect(result.latency.timeouts).toBe(0);
    expect(Number.isFinite(result.latency.p99Ms)).toBe(true);
    // Every event published for the JetStream latency phase was seen acked (after its commit).
    expect({ failures: result.latencyJetStream.failures, timeouts: result.latencyJetStream.timeouts }).toEqual({ failures: 0, timeouts: 0 });
    expect(Number.isFinite(result.latencyJetStream.p99Ms)).toBe(true);
    expect(result.latencyJetStream.p99PerSecondMs).toHaveLength(result.latencyJetStream.requests / result.latencyJetStream.offeredPerSecond);
    expect(result.jetstream.drained).toBe(true);
    expect(result.jetstream.sustainedPerSecond).toBeGreaterThan(0);
    expect(result.jetstream.correlation.caughtUp).toBe(true);
    // Issue 24's references in the same run: the same NATS without corral, and the WAL per event.
    expect(result.rawJetStream?.perSecond).toBeGreaterThan(0);
    expect(result.jetstreamWal?.bytesPerEvent).toBeGreaterThan(0);
    expect(result.corralPeakRssBytes).toBeGreaterThan(0);
    expect(result.actors.actors).toBeGreaterThanOrEqual(1_000);
    expect(result.actors.heapBytesPerActor).toBeGreaterThan(0);
    expect(Number.isFinite(result.actors.hydrationP99Ms)).toBe(true);

    const markdown = readFileSync(out, 'utf8');
    expect(markdown).toContain('QUICK run');
    expect(markdown).toContain(`prometheus-alertmanager ${result.machine.alertmanager}`);
    expect(markdown).toContain("`group_by: ['...']`");
    expect(markdown).toContain('PostgreSQL alone');
    expect(markdown).toContain('| round | Alertmanager alerts/s | corral accepted alerts/s | ratio accepted / Alertmanager | corral correlated alerts/s |');
    expect(markdown).toContain('| p50 | p90 | p99 | p99.9 | max |');
    expect(markdown).toContain('| acked (accepted) events/s | correlated events/s |');
    expect(markdown).toContain('the same NATS without corral');
    expect(markdown).toContain('bytes of WAL per event');
  }, 160_000);
});

describe('the Node.js flags corral ships with', () => {
  // The benchmark starts corral with CORRAL_NODE_FLAGS; production starts it from package.json or
  // the Dockerfile. Figures measured with other flags than those would describe another program.
  it('are the ones package.json and the Dockerfile start corral with', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    const flags = CORRAL_NODE_FLAGS.join(' ');
    expect(scripts.start).toContain(`node ${flags} dist/src/main.js`);
    expect(scripts['start:prod']).toBe(`node ${flags} dist/src/main.js`);
    const cmd = readFileSync('Dockerfile', 'utf8').split('\n').find((line) => line.startsWith('CMD '));
    expect(cmd).toBe(`CMD ${JSON.stringify(['node', ...CORRAL_NODE_FLAGS, 'dist/src/main.js'])}`.replace(/","/g, '", "'));
  });
});

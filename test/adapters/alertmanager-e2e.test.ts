import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, useCorralSuite } from '../support/harness.js';
import { incidents, type Incident } from './adapter-support.js';
import { freePort } from './spawned-corral.js';

// The real Prometheus Alertmanager (Debian package prometheus-alertmanager, installed by .ci/run),
// pointed at corral exactly as the README's Sources table says, sending its own webhooks.
const BINARY = ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager', '/usr/bin/alertmanager'].find((path) => existsSync(path));
const MISSING = 'SKIPPED LOUDLY: prometheus-alertmanager is not installed here (apt-get install prometheus-alertmanager); CI installs it and fails instead';
if (!BINARY) {
  if (process.env.CI) throw new Error('prometheus-alertmanager must be installed in CI (.ci/run installs it)');
  console.warn(`\n*** alertmanager-e2e: ${MISSING} ***\n`);
}
const maybe = BINARY ? it : it.skip;

describe('end to end with the real Alertmanager', () => {
  const suite = useCorralSuite();
  let alertmanager: ChildProcess | undefined;
  let output = '';
  let api = '';

  beforeAll(async () => {
    if (!BINARY) return;
    const dir = mkdtempSync(join(tmpdir(), 'alertmanager-'));
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    // Alertmanager authenticates as corral's README tells operators to: an ingest key as bearer credentials.
    const { key } = await suite.corral.mintKey('ingest', { label: 'alertmanager' });
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      [
        'global:',
        '  resolve_timeout: 5s',
        'route:',
        '  receiver: corral',
        "  group_by: ['alertname', 'facility']",
        '  group_wait: 1s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '  - name: corral',
        '    webhook_configs:',
        `      - url: '${suite.corral.baseUrl}/v1/ingest/alertmanager'`,
        '        send_resolved: true',
        '        http_config:',
        '          authorization:',
        `            credentials: '${key}'`,
        '',
      ].join('\n'),
    );
    alertmanager = spawn(BINARY, [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: ['ignore', 'pipe', 'pipe'] });
    alertmanager.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    alertmanager.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(() => fetch(`${api}/-/ready`).then((r) => r.status).catch(() => 0), (status) => status === 200, 30_000).catch((error: unknown) => {
      throw new Error(`alertmanager did not start: ${String(error)}\n${output}`);
    });
  });

  afterAll(() => {
    alertmanager?.kill('SIGTERM');
  });

  const alert = (channel: string, startsAt: string, endsAt?: string) => ({
    labels: { alertname: 'HL7InterfaceDown', system: 'adt-feed', facility: 'overlake', channel, severity: 'critical' },
    annotations: { summary: `ADT outbound channel ${channel} is not delivering` },
    startsAt,
    ...(endsAt ? { endsAt } : {}),
  });
  const postAlerts = async (alerts: unknown[]) => {
    const response = await fetch(`${api}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    expect(response.status).toBe(200);
  };
  const adtFeed = async () => (await incidents(suite)).find((i) => i.system === 'adt-feed');

  maybe(BINARY ? 'receives the genuine webhooks, folds the group into one incident, and closes it on the resolve' : MISSING, async () => {
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    await postAlerts([alert('ADT_OUT_LAB', startsAt), alert('ADT_OUT_PHARM', startsAt)]);

    const opened = (await eventually(adtFeed, (i) => (i?.children.length ?? 0) === 2, 30_000)) as Incident;
    expect(opened).toMatchObject({ status: 'open', severity: 'critical', facilities: ['overlake'] });
    // The children are Alertmanager's two alerts, each kept under the keyed token of its
    // `<fingerprint>:<startsAt>` id (README, privacy table): no fingerprint appears in the clear.
    // (startsAt as Alertmanager re-serialises it may differ in precision from what it posted.)
    const known = (await (await fetch(`${api}/api/v2/alerts`)).json()) as Array<{ fingerprint: string; startsAt: string }>;
    expect(known).toHaveLength(2);
    const ids = new Set(opened.children.map((c) => c.id));
    expect(ids.size).toBe(2);
    for (const id of ids) expect(id).toMatch(/^ev_[A-Za-z0-9_-]{22}$/);
    for (const a of known) expect(JSON.stringify(opened)).not.toContain(a.fingerprint);

    await postAlerts([alert('ADT_OUT_LAB', startsAt, new Date().toISOString()), alert('ADT_OUT_PHARM', startsAt, new Date().toISOString())]);

    const resolved = (await eventually(adtFeed, (i) => i?.status === 'resolved', 30_000)) as Incident;
    expect(resolved.id).toBe(opened.id);
    expect(resolved.children.map((c) => c.status)).toEqual(['resolved', 'resolved']);
    expect(resolved.children).toHaveLength(2);
  });
});

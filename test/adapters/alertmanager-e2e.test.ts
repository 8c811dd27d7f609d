import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { eventually, useCorralSuite } from '../support/harness.js';
import { incidents, type Incident } from './adapter-support.js';
import { freePort } from './spawned-corral.js';

// The real Prometheus Alertmanager (Debian package prometheus-alertmanager, installed by .ci/run),
// started with deploy/alertmanager.yml exactly as shipped: the file is copied byte for byte, and
// only the two things its header asks the operator to provide are provided: a `corral.key` file
// beside it, and a host named `corral` where corral answers on the URL's port. The name is given
// to Alertmanager alone, in a private mount namespace whose /etc/hosts maps it to a loopback
// address of this suite's own, so the machine's /etc/hosts is never touched. Where no mount
// namespace can be made (an unprivileged container), the copy differs in its `url:` line only,
// which then names that address, and the suite says so.
const BINARY = ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager', '/usr/bin/alertmanager'].find((path) => existsSync(path));
const AMTOOL = BINARY && ['amtool', 'prometheus-amtool'].map((name) => join(dirname(BINARY), name)).find((path) => existsSync(path));
const SHIPPED = new URL('../../deploy/alertmanager.yml', import.meta.url).pathname;

// Root may unshare its mount namespace directly; anyone else through a user namespace.
const UNSHARE = [['-m'], ['-r', '-m']].find((flags) => spawnSync('unshare', [...flags, 'true']).status === 0);
const MISSING = BINARY ? undefined : 'prometheus-alertmanager is not installed here (apt-get install prometheus-alertmanager)';
const SKIPPED = `SKIPPED LOUDLY: ${MISSING ?? ''}; CI installs what it needs and fails instead`;
if (MISSING) {
  if (process.env.CI) throw new Error(`alertmanager-e2e needs ${MISSING}`);
  console.warn(`\n*** alertmanager-e2e: ${SKIPPED} ***\n`);
}
const maybe = MISSING ? it.skip : it;

interface ShippedConfig {
  receivers: Array<{ name: string; webhook_configs: Array<{ url: string; http_config: { authorization: { credentials_file: string } } }> }>;
}
const shipped = parse(readFileSync(SHIPPED, 'utf8')) as ShippedConfig;
const webhook = shipped.receivers.find((r) => r.name === 'corral')?.webhook_configs[0];
if (!webhook) throw new Error('deploy/alertmanager.yml has no webhook for a receiver named corral');
const target = new URL(webhook.url);
// A loopback address nobody else uses, so the URL's own port (8080) is free on it.
const loopback = `127.${[...randomBytes(3)].map((b) => Math.max(b, 2)).join('.')}`;

describe('end to end with the real Alertmanager and the shipped deploy/alertmanager.yml', () => {
  const suite = useCorralSuite(() => ({ HOST: loopback, PORT: target.port || '80' }));
  const dir = mkdtempSync(join(tmpdir(), 'alertmanager-'));
  const config = join(dir, 'alertmanager.yml');
  const keyFile = join(dir, webhook.http_config.authorization.credentials_file);
  let alertmanager: ChildProcess | undefined;
  let output = '';
  let api = '';

  beforeAll(async () => {
    if (!BINARY) return;
    if (UNSHARE) copyFileSync(SHIPPED, config);
    else {
      console.warn(`alertmanager-e2e: no mount namespace here, so the copy's url: line names ${target.host.replace(target.hostname, loopback)} instead of ${target.host}`);
      writeFileSync(config, readFileSync(SHIPPED, 'utf8').replace(`url: '${target.href}'`, `url: '${target.href.replace(target.hostname, loopback)}'`));
    }
    // A key corral never issued: the first thing the suite shows is what a wrong key does.
    writeFileSync(keyFile, `crl_${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    const hosts = join(dir, 'hosts');
    writeFileSync(hosts, `127.0.0.1 localhost\n${loopback} ${target.hostname}\n`);
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    const args = [`--config.file=${config}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='];
    alertmanager = UNSHARE
      ? spawn('unshare', [...UNSHARE, 'sh', '-c', `mount --bind "${hosts}" /etc/hosts && exec "$@"`, 'alertmanager', BINARY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    alertmanager.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    alertmanager.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(() => fetch(`${api}/-/ready`).then((r) => r.status).catch(() => 0), (status) => status === 200, 30_000).catch((error: unknown) => {
      throw new Error(`alertmanager did not start: ${String(error)}\n${output}`);
    });
  });

  afterAll(async () => {
    if (alertmanager && alertmanager.exitCode === null) {
      const exited = new Promise((resolve) => alertmanager?.once('exit', resolve));
      alertmanager.kill('SIGTERM');
      await exited;
    }
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

  maybe(MISSING ? SKIPPED : 'runs the file byte for byte, and amtool finds it valid', () => {
    if (UNSHARE) expect(readFileSync(config)).toEqual(readFileSync(SHIPPED));
    else {
      const differing = readFileSync(config, 'utf8').split('\n').filter((line, i) => line !== readFileSync(SHIPPED, 'utf8').split('\n')[i]);
      expect(differing).toEqual([expect.stringContaining(`url: 'http://${loopback}:`)]);
    }
    expect(target.pathname).toBe('/v1/ingest/alertmanager');
    if (!AMTOOL) {
      console.warn('alertmanager-e2e: amtool is not installed beside Alertmanager; the check-config step is left out');
      return;
    }
    const check = spawnSync(AMTOOL, ['check-config', config], { encoding: 'utf8' });
    expect({ status: check.status, output: check.stdout + check.stderr }).toMatchObject({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  maybe(
    MISSING ? SKIPPED : 'a wrong key is a 401 Alertmanager only logs; once corral.key holds an ingest key the group arrives without a restart, folds into one incident and closes on the resolve',
    async () => {
      const startsAt = new Date(Date.now() - 60_000).toISOString();
      await postAlerts([alert('ADT_OUT_LAB', startsAt), alert('ADT_OUT_PHARM', startsAt)]);
      await eventually(() => Promise.resolve(output), (text) => text.includes('unexpected status code 401'), 30_000);
      expect(await adtFeed()).toBeUndefined();

      const { key } = await suite.corral.mintKey('ingest', { label: 'alertmanager' });
      writeFileSync(keyFile, `${key}\n`);

      // Sent again at the next group_interval of the shipped route.
      const opened = (await eventually(adtFeed, (i) => (i?.children.length ?? 0) === 2, 45_000)) as Incident;
      expect(opened).toMatchObject({ status: 'open', severity: 'critical', facilities: ['overlake'] });
      // The children are Alertmanager's two alerts, each kept under the keyed token of its
      // `<fingerprint>:<startsAt>` id (README, privacy table): no fingerprint appears in the clear.
      const known = (await (await fetch(`${api}/api/v2/alerts`)).json()) as Array<{ fingerprint: string }>;
      expect(known).toHaveLength(2);
      const ids = new Set(opened.children.map((c) => c.id));
      expect(ids.size).toBe(2);
      for (const id of ids) expect(id).toMatch(/^ev_[A-Za-z0-9_-]{22}$/);
      for (const a of known) expect(JSON.stringify(opened)).not.toContain(a.fingerprint);

      const endsAt = new Date().toISOString();
      await postAlerts([alert('ADT_OUT_LAB', startsAt, endsAt), alert('ADT_OUT_PHARM', startsAt, endsAt)]);

      // send_resolved: true, so the resolves come too, at the group's next flush.
      const resolved = (await eventually(adtFeed, (i) => i?.status === 'resolved', 45_000)) as Incident;
      expect(resolved.id).toBe(opened.id);
      expect(resolved.children.map((c) => c.status)).toEqual(['resolved', 'resolved']);
    },
    120_000,
  );
});

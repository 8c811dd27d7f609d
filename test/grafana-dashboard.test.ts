import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { ManualClock } from '../src/actors/clock.js';
import { OutboxRelay } from '../src/modules/helpdesk/outbox-relay.js';
import { Timekeeper } from '../src/modules/runtime/timekeeper.js';
import { ClusterNode, freePort } from './cluster-support.js';
import { apiFetch, canonical, CHAIN_KEY, createTestDatabase, eventually, getJson, postJson, startCorral, TestNats, TOKEN_KEY, type RunningCorral, type TestDatabase } from './support/harness.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

const T0 = new Date('2026-11-24T07:00:00.000Z');
const SECRET = 'grafana-test-webhook-secret-0123456789';
/** In the failing helpdesk's URL, as some helpdesks take an API token: it must never become a label. */
const URL_TOKEN = 'tok3n-in-the-url';

interface Target {
  expr: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  gridPos?: { h: number; w: number; x: number; y: number };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
}

const dashboard = JSON.parse(readFileSync(new URL('../deploy/grafana-dashboard.json', import.meta.url), 'utf8')) as Dashboard;
const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title ?? String(p.id), expr: t.expr })));

/** Grafana's own macros are not PromQL; Grafana replaces them before Prometheus sees the query. */
function asPromql(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m').replace(/\$(\w+)/g, 'x');
}

/**
 * Metric names a query reads, and its syntax errors, from Prometheus' own PromQL grammar
 * (@prometheus-io/lezer-promql, the parser of Prometheus' web UI): every VectorSelector's name.
 */
function metricsOf(expr: string): { names: string[]; errors: string[] } {
  const text = asPromql(expr);
  const names: string[] = [];
  const errors: string[] = [];
  parser.parse(text).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: ${text.slice(Math.max(0, node.from - 20), node.to + 20)}`);
      if (node.name === 'VectorSelector') {
        const identifier = node.node.getChild('Identifier');
        if (identifier) names.push(text.slice(identifier.from, identifier.to));
      }
    },
  });
  return { names, errors };
}

/** Families a scrape declares (`# TYPE name kind`); a histogram's series add _bucket, _sum and _count. */
function families(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
}

function exposes(declared: Map<string, string>, name: string): boolean {
  if (declared.has(name)) return true;
  const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
  return base !== undefined && ['histogram', 'summary'].includes(declared.get(base) ?? '');
}

/** Every series of one metric family: its labels and value. */
function series(text: string, name: string): Array<{ labels: Record<string, string>; value: number }> {
  return [...text.matchAll(new RegExp(`^${name}(?:\\{([^}]*)\\})? (\\S+)$`, 'gm'))].map((m) => ({
    labels: Object.fromEntries([...(m[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]])),
    value: Number(m[2]),
  }));
}

function value(text: string, name: string, labels: Record<string, string>): number {
  const matching = series(text, name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return matching.reduce((sum, s) => sum + s.value, 0);
}

async function scrape(corral: RunningCorral): Promise<string> {
  const response = await apiFetch(`${corral.baseUrl}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('deploy/grafana-dashboard.json', () => {
  it('is an importable dashboard: a datasource variable, and every panel titled, placed and on that datasource', () => {
    expect(dashboard.uid).toBe('corral-overview');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    for (const panel of dashboard.panels) {
      expect([panel.id, panel.title]).toEqual([panel.id, expect.stringMatching(/\S/)]);
      expect(panel.gridPos).toEqual({ h: expect.any(Number), w: expect.any(Number), x: expect.any(Number), y: expect.any(Number) });
      if (panel.type === 'row') continue;
      expect([panel.title, panel.datasource]).toEqual([panel.title, { type: 'prometheus', uid: '${datasource}' }]);
      expect([panel.title, panel.targets?.length]).toEqual([panel.title, expect.any(Number)]);
      for (const target of panel.targets ?? []) expect([panel.title, target.datasource]).toEqual([panel.title, { type: 'prometheus', uid: '${datasource}' }]);
    }
  });

  it('has only queries that parse as PromQL, each reading at least one metric and filtered by the instance variable', () => {
    expect(queries.length).toBeGreaterThan(20);
    for (const { panel, expr } of queries) {
      const { names, errors } = metricsOf(expr);
      expect({ panel, expr, errors }).toEqual({ panel, expr, errors: [] });
      expect({ panel, expr, names: names.length > 0 }).toEqual({ panel, expr, names: true });
      // Each selector, so one instance can be looked at alone.
      expect({ panel, expr, selectors: expr.split(/\bcorral_|\bprocess_|\bnodejs_/).length - 1 }).toEqual({ panel, expr, selectors: (expr.match(/instance=~"\$instance"/g) ?? []).length });
    }
  });
});

/**
 * A corral driven through what the dashboard shows: events (one facility each, the FHIR directory
 * unreachable so the breaker opens), tickets delivered to NATS and to three failing helpdesks (a
 * 503, a refused connection, one that never answers), a request for an incident by id and one for a
 * path no route has. A second corral with CORRAL_CLUSTER=on exposes the cluster's metrics. Then
 * every metric the dashboard reads must be on one of their /metrics, with the labels it groups by.
 */
describe('the metrics the Grafana dashboard reads', () => {
  const clock = new ManualClock(T0);
  let db: TestDatabase;
  let clusterDb: TestDatabase;
  let nats: TestNats;
  let clusterNats: TestNats;
  let corral: RunningCorral;
  let clustered: ClusterNode;
  let clusterDir: string;
  let failing: WebhookReceiver;
  let silent: Server;
  let fhirBase: string;
  let refusingUrl: string;
  let text: string;
  let incidentId: string;

  beforeAll(async () => {
    failing = await new WebhookReceiver().start();
    failing.failFirst = Number.MAX_SAFE_INTEGER;
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}/hook`;
    refusingUrl = `http://127.0.0.1:${await freePort()}/hook`;
    fhirBase = `http://127.0.0.1:${await freePort()}/fhir/R4`;
    const file = join(mkdtempSync(join(tmpdir(), 'corral-grafana-')), 'helpdesk.yaml');
    const hook = (name: string, url: string) => `  - { name: ${name}, url: "${url}", format: corral, secretEnv: CORRAL_TEST_WEBHOOK_SECRET, queues: ["*"], timeout: 300ms, maxAttempts: 2 }`;
    writeFileSync(
      file,
      ['webhooks:', hook('servicedesk', `${failing.url}?token=${URL_TOKEN}`), hook('legacy-desk', refusingUrl), hook('slow-desk', silentUrl), 'relay: { backoffBase: 10ms, backoffMax: 20ms }'].join('\n'),
    );
    db = await createTestDatabase();
    nats = await TestNats.open();
    corral = await startCorral(
      {
        DATABASE_URL: db.url,
        NATS_URL: nats.url,
        NATS_NAMESPACE: nats.namespace,
        CORRAL_HELPDESK_FILE: file,
        CORRAL_TEST_WEBHOOK_SECRET: SECRET,
        RELAY_POLL_MS: '60000',
        TIMER_POLL_MS: '60000',
        FHIR_BASE_URL: fhirBase,
        FHIR_TIMEOUT_MS: '500',
        FHIR_BREAKER_FAILURES: '2',
        FHIR_BREAKER_HALF_OPEN_MS: '3600000',
      },
      { clock },
    );

    // Several instances (CORRAL_CLUSTER=on) run as operators run them, from the build (`npm test` builds first).
    clusterDb = await createTestDatabase();
    clusterNats = await TestNats.open();
    clusterDir = mkdtempSync(join(tmpdir(), 'corral-grafana-cluster-'));
    clustered = new ClusterNode('grafana-c0', await freePort(), {
      DATABASE_URL: clusterDb.url,
      NATS_URL: clusterNats.url,
      NATS_NAMESPACE: clusterNats.namespace,
      CORRAL_TOKEN_KEY: TOKEN_KEY,
      CORRAL_CHAIN_KEY: CHAIN_KEY,
      CORRAL_DATA_DIR: clusterDir,
      LOG_LEVEL: 'warn',
      CORRAL_CLUSTER: 'on',
      CLUSTER_PARTITIONS: '2',
    });
    await clustered.start();

    // Three facilities, three lookups: two fail (the EHR is unreachable) and open the breaker, the third is not asked.
    for (const facility of ['SITE-A', 'SITE-B', 'SITE-C']) {
      const { status } = await postJson(`${corral.baseUrl}/v1/events?wait=correlated`, canonical({ system: `ris-${facility.toLowerCase()}`, errorSignature: 'DICOM_TIMEOUT', facility }));
      expect(status).toBe(202);
    }
    // A second child of the first incident: its facility's lookup is not asked either.
    expect((await postJson(`${corral.baseUrl}/v1/events?wait=correlated`, [canonical({ system: 'ris-site-a', errorSignature: 'DICOM_TIMEOUT', facility: 'SITE-A' })])).status).toBe(202);

    // Past groupWait: tickets open and go to NATS and the three helpdesks, which all fail, twice (maxAttempts 2).
    clock.set(new Date(T0.getTime() + 5 * 60_000));
    await corral.app.get(Timekeeper).poll();
    const relay = corral.app.get(OutboxRelay);
    await eventually(
      async () => {
        await relay.pass();
        return relay.depth();
      },
      (depth) => depth === 0,
    );

    const { body } = await getJson<{ items: Array<{ id: string }> }>(`${corral.baseUrl}/v1/incidents`);
    incidentId = body.items[0]?.id ?? '';
    expect((await apiFetch(`${corral.baseUrl}/v1/incidents/${incidentId}`)).status).toBe(200);
    expect((await apiFetch(`${corral.baseUrl}/v1/no-such-thing/${incidentId}`)).status).toBe(404);
    expect((await apiFetch(`${corral.baseUrl}/v1/incidents/${incidentId}`, {}, { key: null })).status).toBe(401);

    // An hour after the incidents opened (at T0).
    clock.set(new Date(T0.getTime() + 3_600_000));
    text = await scrape(corral);
  }, 60_000);

  afterAll(async () => {
    await clustered?.stop('SIGTERM');
    await clusterNats?.jsm.streams.delete(clusterNats.subjects.sigStream).catch(() => false);
    await corral?.close();
    await nats?.close();
    await clusterNats?.close();
    await db?.drop();
    await clusterDb?.drop();
    await failing?.stop();
    silent?.closeAllConnections();
    await new Promise((resolve) => (silent ? silent.close(resolve) : resolve(undefined)));
  });

  it('exposes every metric a dashboard query reads (on one instance, or on one of several)', async () => {
    const adminKey = readFileSync(join(clusterDir, 'admin.key'), 'utf8').trim();
    const clusterText = await (await fetch(`${clustered.baseUrl}/metrics`, { headers: { authorization: `Bearer ${adminKey}` } })).text();
    expect(clusterText).toContain('# TYPE corral_cluster_partition_lag gauge');
    const declared = new Map([...families(text), ...families(clusterText)]);
    const missing = queries.flatMap(({ panel, expr }) => metricsOf(expr).names.filter((name) => !exposes(declared, name)).map((name) => `${panel}: ${name}`));
    expect(missing).toEqual([]);
  });

  it('labels HTTP latency by route template and status class, never by a path with ids', () => {
    const routes = series(text, 'corral_http_request_duration_seconds_count');
    expect(value(text, 'corral_http_request_duration_seconds_count', { method: 'GET', route: '/v1/incidents/:id', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(value(text, 'corral_http_request_duration_seconds_count', { method: 'GET', route: '/v1/incidents/:id', status_class: '4xx' })).toBeGreaterThanOrEqual(1);
    expect(value(text, 'corral_http_request_duration_seconds_count', { method: 'POST', route: '/v1/events', status_class: '2xx' })).toBe(4);
    expect(value(text, 'corral_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_class: '4xx' })).toBeGreaterThanOrEqual(1);
    for (const { labels } of routes) {
      expect(labels.route).toMatch(/^(\/[\w.:*-]*)+$|^unmatched$/);
      expect(labels.status_class).toMatch(/^[1-5]xx$|^aborted$/);
    }
    expect(text).not.toContain(incidentId);
    expect(text).not.toContain('no-such-thing');
  });

  it('counts deliveries by configured destination name, failures by reason, retries and dead ones, never a URL or secret', () => {
    expect(value(text, 'corral_helpdesk_deliveries_sent_total', { destination: 'nats' })).toBe(3);
    for (const [destination, reason] of [
      ['webhook:servicedesk', 'http_5xx'],
      ['webhook:legacy-desk', 'network'],
      ['webhook:slow-desk', 'timeout'],
    ]) {
      // Three tickets, each tried twice (maxAttempts 2): the first failure is retried, the second is dead.
      expect([destination, series(text, 'corral_helpdesk_delivery_failures_total').filter((s) => s.labels.destination === destination)]).toEqual([
        destination,
        [{ labels: { destination, reason }, value: 6 }],
      ]);
      expect([destination, value(text, 'corral_helpdesk_delivery_retries_total', { destination })]).toEqual([destination, 3]);
      expect([destination, value(text, 'corral_helpdesk_deliveries_dead_total', { destination })]).toEqual([destination, 3]);
    }
    expect(value(text, 'corral_outbox_blocked_lanes', {})).toBe(9);
    for (const secret of [URL_TOKEN, SECRET, '127.0.0.1', 'http://', fhirBase]) expect([secret, text.includes(secret)]).toEqual([secret, false]);
  });

  it('shows the FHIR breaker open after the directory failed, and lookups by outcome', () => {
    expect(value(text, 'corral_enrichment_breaker_state', {})).toBe(2);
    expect(value(text, 'corral_enrichment_lookups_total', { outcome: 'failed' })).toBe(2);
    expect(value(text, 'corral_enrichment_lookups_total', { outcome: 'circuit-open' })).toBeGreaterThanOrEqual(1);
  });

  it('counts what correlation did by journal kind, and open incidents with the age of the oldest on corral’s clock', () => {
    expect(value(text, 'corral_journal_entries_total', { kind: 'incident.opened' })).toBe(3);
    expect(value(text, 'corral_journal_entries_total', { kind: 'child.attached' })).toBe(4);
    expect(value(text, 'corral_journal_entries_total', { kind: 'ticket.opened' })).toBe(3);
    const open = series(text, 'corral_open_incidents');
    expect(open.reduce((sum, s) => sum + s.value, 0)).toBe(3);
    for (const { labels } of open) expect(labels).toEqual({ priority: expect.stringMatching(/^P[1-4]$/), status: 'open' });
    expect(Math.max(...series(text, 'corral_oldest_open_incident_age_seconds').map((s) => s.value))).toBe(3600);
    expect(series(text, 'corral_ingest_lag').map((s) => s.labels.state).sort()).toEqual(['ack_pending', 'pending']);
  });
});

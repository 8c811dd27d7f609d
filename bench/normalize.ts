import { randomUUID } from 'node:crypto';
import { admit } from '../src/modules/ingest/admission.js';
import { parseCanonical } from '../src/modules/ingest/canonical-intake.js';
import { checkNative, encodedEntries } from '../src/modules/ingest/intake-prep.js';
import { parseJsonBody } from '../src/modules/ingest/json-body.js';
import { nestingProblem } from '../src/modules/ingest/limits.js';
import { ADAPTERS } from '../src/modules/ingest/sources/registry.js';
import { holdsBrokenText } from '../src/modules/ingest/unicode.js';
import { AlertStream, ISSUE_SHAPE, toCanonical, toWebhook, type BenchAlert } from './workload.js';

/**
 * `npm run bench:normalize`: CPU per event of what an ingest route does before anything is
 * committed, on one core, no I/O. The Alertmanager route's steps as NativeIngestService runs them
 * (depth and Unicode checks of the body, the adapter with its privacy filter, admission of each
 * event) over webhooks of 500 alerts; and `POST /v1/events`'s per-event parse (parseCanonical:
 * validation, privacy table, admission) over arrays of 500 canonical events. Bodies are parsed JSON,
 * as Express hands them over. Prints CPU µs per event, the best of five passes after a warm-up.
 *
 * `webhookIntakeUsPerAlert` is the Alertmanager route end to end as intake runs it per request
 * (intake-prep.ts, on the main thread or in an intake worker), on the bodies `npm run bench` sends
 * (bench/workload.ts toWebhook, as the route's raw bytes): the body parsed (parseJsonBody), checked,
 * normalized and admitted (checkNative), then each event's dedup key and inbox row text
 * (encodedEntries).
 */
const ALERTS = Number(process.argv[2] ?? 50_000);
/** `alertmanager`, `canonical` or `intake` to measure one route only (for a CPU profile). */
const ONLY = process.argv[3];
const BATCH = 500;
const TOKEN_KEY = 'bench-token-key-0123456789abcdefghijklmn';

const TEAMS = ['integration', 'clinical-apps', 'infra', 'lab-systems', 'imaging'];
const FACILITIES = ['overlake', 'kirkland', 'redmond', 'bellevue', 'issaquah', 'renton', 'everett'];
const SYMPTOMS = [
  (s: string) => ({ summary: `ADT outbound queue on ${s} is not draining`, description: `Queue depth above 1000 for 5 minutes on ${s}.` }),
  (s: string) => ({ summary: `${s} HL7 interface down`, description: `No ACK from ${s} since the last 3 messages.` }),
  (s: string) => ({ summary: `High error rate on ${s}`, description: `More than 5% of requests to ${s} fail with 5xx.` }),
  (s: string) => ({ summary: `Disk almost full on ${s}`, description: `Filesystem /var/lib/${s} is 92% full.` }),
];

/**
 * The workload's alerts (same Zipf mix of fresh, repeated and resolved alerts as `npm run bench`),
 * dressed as node-exporter and blackbox alerts look in a hospital's Prometheus: a dozen labels,
 * some the adapter keeps, some it drops (pod, prometheus), an instance with a port, and three
 * annotations, one of them a runbook URL.
 */
function realistic(alert: BenchAlert, n: number): { labels: Record<string, string>; annotations: Record<string, string> } {
  const system = alert.labels.system ?? 'sys';
  const rank = Number(system.slice(4)) || 0;
  return {
    labels: {
      ...alert.labels,
      job: rank % 3 === 0 ? 'blackbox' : 'node',
      instance: `${system}.${FACILITIES[rank % FACILITIES.length]}.hospital.local:9100`,
      service: system,
      team: TEAMS[rank % TEAMS.length] ?? 'infra',
      cluster: `prod-${rank % 3}`,
      namespace: 'clinical',
      env: 'production',
      pod: `${system}-7f9c8d6b5-${(n % 46656).toString(36).padStart(3, 'x')}`,
      prometheus: 'monitoring/k8s',
    },
    annotations: { ...(SYMPTOMS[rank % SYMPTOMS.length]?.(system) ?? {}), runbook_url: `https://runbooks.hospital.local/alerts/${alert.labels.alertname ?? ''}` },
  };
}

function webhooks(stream: AlertStream, count: number): Array<Record<string, unknown>> {
  const bodies: Array<Record<string, unknown>> = [];
  for (let done = 0; done < count; done += BATCH) {
    const alerts = stream.take(Math.min(BATCH, count - done)).map((a, i) => ({
      status: a.endsAt ? 'resolved' : 'firing',
      ...realistic(a, done + i),
      startsAt: a.startsAt,
      endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
      generatorURL: `http://prometheus.hospital.local:9090/graph?g0.expr=up%3D%3D0&g0.tab=1`,
      fingerprint: a.fingerprint,
    }));
    // Through JSON, so the body is what body-parser would hand the route.
    bodies.push(JSON.parse(JSON.stringify({
      version: '4', groupKey: '{}:{alertname="BenchAlert"}', truncatedAlerts: 0, status: 'firing', receiver: 'corral',
      groupLabels: { alertname: 'BenchAlert' }, commonLabels: { env: 'production' }, commonAnnotations: {},
      externalURL: 'http://alertmanager.hospital.local:9093', alerts,
    })) as Record<string, unknown>);
  }
  return bodies;
}

/** The Alertmanager route's CPU before the commit (NativeIngestService.normalize). Returns events made. */
function alertmanagerRoute(body: Record<string, unknown>): number {
  if (nestingProblem(body) || holdsBrokenText(body, { replacement: true })) throw new Error('bench body refused');
  const normalized = ADAPTERS.alertmanager.normalize(body, { tokenKey: TOKEN_KEY, receivedAt: new Date(), correlationId: randomUUID() });
  if (!normalized.ok) throw new Error(`bench body refused: ${normalized.reason}`);
  let admitted = 0;
  for (const event of normalized.events) if (admit(event).ok) admitted += 1;
  return admitted;
}

/** The Alertmanager route from the body's bytes to its inbox rows' text. Returns events made. */
function webhookIntake(bytes: Buffer): number {
  const checked = checkNative('alertmanager', parseJsonBody(bytes), { tokenKey: TOKEN_KEY, receivedAt: new Date().toISOString(), correlationId: randomUUID() });
  if (!checked.ok) throw new Error(`bench body refused: ${checked.reason}`);
  const rows = encodedEntries(checked.normalized.events, checked.normalized.resolves);
  if (rows.length === 0) throw new Error('bench made no rows');
  return checked.normalized.events.length;
}

/** `POST /v1/events` per event (IngestService.parse, a receivedAt per event as it does today). */
function canonicalRoute(body: unknown[]): number {
  const correlationId = randomUUID();
  let admitted = 0;
  for (const raw of body) if (parseCanonical(raw, { tokenKey: TOKEN_KEY, receivedAt: new Date(), correlationId }).ok) admitted += 1;
  return admitted;
}

// CPU time of this process (user + system), not wall time: the machine is shared, and a pass that
// waits for a core would otherwise count the wait.
function measure<T>(bodies: T[], run: (body: T) => number, events: number): number {
  const started = process.cpuUsage();
  let made = 0;
  for (const body of bodies) made += run(body);
  const { user, system } = process.cpuUsage(started);
  const elapsed = user + system;
  if (made !== events) throw new Error(`expected ${events} events, got ${made}`);
  return elapsed / events;
}

function best<T>(bodies: T[], run: (body: T) => number, events: number): number {
  // Warm-up (JIT, the scrubber's memory of clean texts), then the best of five passes.
  measure(bodies, run, events);
  return Math.min(...[0, 1, 2, 3, 4].map(() => measure(bodies, run, events)));
}

function webhookBytes(stream: AlertStream, count: number): Buffer[] {
  const bodies: Buffer[] = [];
  for (let done = 0; done < count; done += BATCH) bodies.push(Buffer.from(toWebhook(stream.take(Math.min(BATCH, count - done)))));
  return bodies;
}

function canonicalArrays(stream: AlertStream, count: number): unknown[][] {
  const arrays: unknown[][] = [];
  for (let done = 0; done < count; done += BATCH) arrays.push(JSON.parse(`[${stream.take(Math.min(BATCH, count - done)).map(toCanonical).join(',')}]`) as unknown[]);
  return arrays;
}

// Each route's bodies are made only when it is measured: a profile of one route shows that route.
const measured = (route: string) => ONLY === undefined || ONLY === route;
const results = {
  alerts: ALERTS,
  batch: BATCH,
  ...(measured('intake') ? { webhookIntakeUsPerAlert: +best(webhookBytes(new AlertStream(ISSUE_SHAPE, 'bench'), ALERTS), webhookIntake, ALERTS).toFixed(2) } : {}),
  ...(measured('alertmanager') ? { alertmanagerUsPerAlert: +best(webhooks(new AlertStream(ISSUE_SHAPE, 'bench'), ALERTS), alertmanagerRoute, ALERTS).toFixed(2) } : {}),
  ...(measured('canonical') ? { canonicalUsPerEvent: +best(canonicalArrays(new AlertStream(ISSUE_SHAPE, 'bench'), ALERTS), canonicalRoute, ALERTS).toFixed(2) } : {}),
};
console.log(JSON.stringify(results, null, 2));

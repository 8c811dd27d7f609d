import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstream } from '@nats-io/jetstream';
import { apiFetch } from './support/harness.js';
import { WebhookReceiver } from './support/webhook-receiver.js';
import { fixture, fixtureJson, HL7_TYPE } from './adapters/adapter-support.js';
import { spawnCorral, type SpawnedCorral } from './adapters/spawned-corral.js';

// The PHI canary: the Synthea patient's identifiers planted in every field of every route — each
// string of each native payload in turn, every field of a canonical event, every label key, command
// notes and `by` — over HTTP and NATS. Afterwards none of them may appear in a pg_dump of corral's
// database, in any line corral logged, in any API answer, in any webhook body or on the DLQ stream.

interface Patient {
  name: Array<{ given: string[]; family: string }>;
  identifier: Array<{ value: string }>;
  birthDate: string;
  telecom: Array<{ value: string }>;
}
const bundle = fixtureJson<{ entry: Array<{ resource: Patient & { resourceType: string } }> }>('fhir/synthea-patient-carolee951.json');
const patient = bundle.entry.find((e) => e.resource.resourceType === 'Patient')?.resource as Patient;
const given = patient.name[0]?.given[0];
const family = patient.name[0]?.family;
const ssn = patient.identifier.find((i) => /^\d{3}-\d{2}-\d{4}$/.test(i.value))?.value as string;
const licence = patient.identifier.at(-2)?.value as string;
const phone = patient.telecom[0]?.value;
const MRN = '7654321';
// What a careless sender writes: cued, as clinicians and engines do. (A bare code-shaped name in a
// code field, "Sanford861", cannot be told from a code: that is the one thing this cannot catch.)
const CANARY = `pt ${given} ${family} MRN ${MRN} DOB ${patient.birthDate} SSN ${ssn} tel ${phone} licence ${licence}`;
const NEEDLES = [given, family, MRN, patient.birthDate, ssn, ssn.replace(/-/g, ''), phone, licence].map((n) => n.toLowerCase());

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One copy of `body` per string leaf, with the canary added to that leaf, plus one per object with a canary key. */
function plantings(body: Json, limit = 80): Json[] {
  const out: Json[] = [];
  const walk = (node: Json, path: Array<string | number>): void => {
    if (typeof node === 'string') out.push(setAt(body, path, `${node} ${CANARY}`));
    else if (Array.isArray(node)) node.forEach((inner, i) => walk(inner, [...path, i]));
    else if (node !== null && typeof node === 'object') {
      out.push(setAt(body, [...path, CANARY], 'x'));
      for (const [key, inner] of Object.entries(node)) walk(inner, [...path, key]);
    }
  };
  walk(body, []);
  return out.slice(0, limit);
}

function setAt(body: Json, path: Array<string | number>, value: Json): Json {
  const copy = structuredClone(body);
  if (path.length === 0) return value;
  let node = copy as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, Json>;
  node[path.at(-1) as string | number] = value;
  return copy;
}

/** Every field of every segment corral reads (MSH, MSA, ERR), one at a time. */
function hl7Plantings(message: string): string[] {
  const segments = message.trim().split(/\r\n|\r|\n/);
  return segments.flatMap((segment, s) => {
    const fields = segment.split('|');
    return fields.slice(1).map((_, f) => {
      const planted = [...fields];
      planted[f + 1] = `${planted[f + 1] ?? ''} ${CANARY}`;
      return segments.map((line, i) => (i === s ? planted.join('|') : line)).join('\r');
    });
  });
}

const NATIVE: Array<[source: string, file: string]> = [
  ['alertmanager', 'alertmanager/webhook-v4-1.json'],
  ['grafana', 'grafana/webhook-firing-docs.json'],
  ['pagerduty', 'pagerduty/trigger-docs.json'],
  ['pagerduty', 'pagerduty/resolve-docs.json'],
  ['mirth', 'mirth/alert-destination-error.json'],
  ['okta', 'okta/event-hook-deactivate-composed.json'],
  ['scim', 'scim/set-patch-full.json'],
  ['helpdesk', 'helpdesk/report-phone.json'],
];

const canonical = (id: string): Record<string, Json> => ({
  id,
  schemaVersion: '1',
  kind: 'report',
  source: { type: 'canonical', system: 'probe', instance: 'probe-01' },
  occurredAt: '2026-11-24T07:00:00Z',
  status: 'firing',
  severity: 'high',
  system: 'epic-adt',
  facility: 'overlake',
  department: 'ED',
  location: '4 West',
  symptom: 'wristband prints blank',
  errorSignature: 'PRINT_BLANK',
  requester: { token: 'nurse.jones', role: 'RN', department: 'ED' },
  patientImpact: true,
  labels: { team: 'clinical-apps' },
  correlationId: `c-${id}`,
});

describe('the PHI canary: no planted identifier survives anywhere', () => {
  let corral: SpawnedCorral;
  const helpdesk = new WebhookReceiver();
  const answers: string[] = [];

  beforeAll(async () => {
    await helpdesk.start();
    const file = join(mkdtempSync(join(tmpdir(), 'corral-canary-')), 'helpdesk.yaml');
    writeFileSync(
      file,
      ['webhooks:', `  - { name: servicenow, url: "${helpdesk.url}", format: servicenow, secretEnv: CANARY_WEBHOOK_SECRET, queues: ["*"], timeout: 2s }`, `  - { name: raw, url: "${helpdesk.url}", format: corral, secretEnv: CANARY_WEBHOOK_SECRET, queues: ["*"], timeout: 2s }`].join('\n'),
    );
    corral = await spawnCorral({ CANARY_WEBHOOK_SECRET: 'canary-webhook-secret-0123456789abcdef', LOG_LEVEL: 'trace', CORRAL_HELPDESK_FILE: file, CORRAL_RULES_DIR: 'test/rules/steady', RELAY_POLL_MS: '100', TIMER_POLL_MS: '100' });
  }, 90_000);
  afterAll(async () => {
    await corral?.stop();
    await helpdesk.stop();
  });

  const call = async (method: string, path: string, body?: string, contentType = 'application/json') => {
    const response = await apiFetch(`${corral.baseUrl}${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': contentType }, body }) });
    const text = await response.text();
    // The Events API contract: PagerDuty answers a sender with its own dedup_key. corral keeps only its token.
    answers.push(path === '/v1/ingest/pagerduty' ? text.replace(/"dedup_key":"(?:[^"\\]|\\.)*"/, '"dedup_key":"(the sender\'s own)"') : text);
    return { status: response.status, text };
  };

  it('plants them in every field of every route and command, and finds them in no dump, log, answer or webhook', async () => {
    const js = jetstream(corral.nats.nc);
    const publish = (source: string, body: string) => js.publish(corral.nats.subjects.in(source), new TextEncoder().encode(body));
    let sent = 0;

    // Canonical: every field and label key, over HTTP (each answered 2xx or 4xx, never 5xx) and NATS.
    const base = canonical('canary-base');
    for (const [i, planted] of plantings(base, 200).entries()) {
      const fields = planted as Record<string, Json>;
      // Each planting is its own event (the id planting keeps its planted id).
      const event = { ...fields, id: fields.id === base.id ? `canary-${i}` : (fields.id ?? null) };
      const { status } = await call('POST', '/v1/events', JSON.stringify(event));
      expect([i, status < 500]).toEqual([i, true]);
      await publish('canonical', JSON.stringify({ ...event, id: `${JSON.stringify(event.id)}-nats` }));
      sent += 2;
    }
    // Native routes: every string of a real payload, one at a time, and a canary key in every object.
    for (const [source, file] of NATIVE) {
      for (const planted of plantings(fixtureJson<Json>(file))) {
        const { status } = await call('POST', `/v1/ingest/${source}`, JSON.stringify(planted));
        expect([source, status < 500]).toEqual([source, true]);
        await publish(source, JSON.stringify(planted));
        sent += 2;
      }
    }
    for (const file of ['hl7/ack-ae-err-nist-iz.hl7', 'hl7/ack-ar-err-hl7-v2xml-spec-example.hl7']) {
      for (const planted of hl7Plantings(fixture(file))) {
        const { status } = await call('POST', '/v1/ingest/hl7', planted, HL7_TYPE);
        expect(['hl7', status < 500]).toEqual(['hl7', true]);
        await publish('hl7', planted);
        sent += 2;
      }
    }
    expect(sent).toBeGreaterThan(300);

    // Wait until NATS has nothing pending, then command every incident with a canary note (and a canary `by`, refused).
    const deadline = Date.now() + 120_000;
    for (;;) {
      const info = await corral.nats.jsm.consumers.info(corral.nats.subjects.inStream, corral.nats.subjects.ingestConsumer);
      if ((info.num_pending === 0 && info.num_ack_pending === 0) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const list = JSON.parse((await call('GET', '/v1/incidents?limit=500')).text) as { items: Array<{ id: string }> };
    expect(list.items.length).toBeGreaterThan(5);
    for (const [n, { id }] of list.items.slice(0, 6).entries()) {
      const verb = n % 2 === 0 ? 'acknowledge' : 'resolve';
      expect((await call('POST', `/v1/incidents/${id}/${verb}`, JSON.stringify({ by: 'agent:kim', note: CANARY }))).status).toBeLessThan(300);
      expect((await call('POST', `/v1/incidents/${id}/${verb}`, JSON.stringify({ by: `agent ${given} ${family}` }))).status).toBe(400);
      const subject = `${corral.nats.subjects.prefix}.cmd.incident.${n % 2 === 0 ? 'resolve' : 'reopen'}`;
      const reply = await corral.nats.nc.request(subject, JSON.stringify({ incidentId: id, by: 'servicenow:agent-7', note: CANARY }), { timeout: 5000 });
      answers.push(reply.string());
      const refused = await corral.nats.nc.request(subject, JSON.stringify({ incidentId: id, by: `${given}.${family}@example.org`, note: CANARY }), { timeout: 5000 });
      answers.push(refused.string());
      expect(refused.string()).toMatch(/account code/);
    }

    // Every read the API offers.
    for (const { id } of list.items) {
      await call('GET', `/v1/incidents/${id}`);
      await call('GET', `/v1/incidents/${id}/timeline?limit=1000`);
      await call('GET', `/v1/incidents/${id}/blast-radius`);
    }
    for (const path of ['/v1/blast-radius', '/v1/audit?limit=1000', '/v1/dead-letters?limit=500', '/v1/metrics/outcomes', '/v1/incidents?limit=500&status=resolved']) await call('GET', path);
    // Tickets reach the helpdesk within a few relay passes.
    const webhookDeadline = Date.now() + 20_000;
    while (helpdesk.requests.length === 0 && Date.now() < webhookDeadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(helpdesk.requests.length).toBeGreaterThan(0);

    const { stdout: dump } = await promisify(execFile)('pg_dump', ['--data-only', '--inserts', corral.db.url], { maxBuffer: 512 * 1024 * 1024 });
    expect(dump).toContain('INSERT INTO public.incident_child');
    const dlq = await corral.nats.jsm.streams.info(corral.nats.subjects.dlqStream);
    const consumer = await js.consumers.get(corral.nats.subjects.dlqStream);
    const published: string[] = [];
    for (let i = 0; i < dlq.state.messages; i++) {
      const m = await consumer.next({ expires: 2000 });
      if (m) published.push(m.string());
    }

    const places: Record<string, string> = {
      'pg_dump': dump,
      logs: corral.output(),
      'API answers': answers.join('\n'),
      webhooks: helpdesk.requests.map((r) => r.body).join('\n'),
      'DLQ stream': published.join('\n'),
    };
    for (const [place, haystack] of Object.entries(places)) {
      const lower = haystack.toLowerCase();
      const found = NEEDLES.filter((needle) => lower.includes(needle));
      if (process.env.CANARY_DEBUG && found.length > 0) console.log(place, haystack.split('\n').filter((l) => l.toLowerCase().includes(found[0] ?? '')).slice(0, 3).map((l) => l.slice(0, 600)));
      expect([place, found]).toEqual([place, []]);
    }
  }, 600_000);
});

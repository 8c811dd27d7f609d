import { randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Subjects } from '../modules/bus/message-bus.js';
import { ConfigError, loadConfig } from '../modules/config/corral-config.js';

/** The outage began this long before the sample is sent; its last call came a minute ago. */
const OUTAGE_MINUTES = 40;

/**
 * `npm run publish-sample`: a small ADT outage over the last 40 minutes — monitoring alerts, their
 * repeats, and clinicians' reports — sent to a running corral over NATS (NATS_URL set) or HTTP
 * (CORRAL_URL, default http://localhost:$PORT). Needs no nats CLI. Its times are around now, as a
 * real outage's would be: events dated in the past are history, not an outage under way.
 */
function sampleEvents(began: Date): Record<string, unknown>[] {
  const at = (minute: number) => new Date(began.getTime() + minute * 60_000).toISOString();
  const alert = (n: number, facility: string) => ({
    id: `adt-queue-${facility}-${n}`,
    schemaVersion: '1',
    kind: 'alert',
    source: { type: 'canonical', system: 'sample-monitor' },
    occurredAt: at(n),
    status: 'firing',
    severity: 'critical',
    system: 'epic-adt',
    facility,
    symptom: `ADT outbound queue depth ${1200 + n * 37} above threshold`,
    errorSignature: 'ADT_QUEUE_BACKLOG',
    patientImpact: true,
    correlationId: randomUUID(),
  });
  const report = (n: number, facility: string, department: string) => ({
    id: `call-${facility}-${n}`,
    schemaVersion: '1',
    kind: 'report',
    source: { type: 'helpdesk', system: 'sample-phone-log' },
    occurredAt: at(10 + n),
    status: 'firing',
    severity: 'high',
    system: 'epic-discharge',
    facility,
    department,
    symptom: `Discharge summary screen frozen (call ${n})`,
    requester: { token: `clinician-${n % 7}@${facility}.example`, role: 'nurse', department },
    patientImpact: true,
    correlationId: randomUUID(),
  });
  const alerts = Array.from({ length: 40 }, (_, n) => alert(n % 20, n < 20 ? 'overlake' : 'issaquah'));
  const reports = Array.from({ length: 30 }, (_, n) => report(n, 'overlake', n % 2 ? 'ED' : 'med-surg-4'));
  return [...alerts, ...reports];
}

async function main(): Promise<void> {
  const config = loadConfig();
  // Whole minutes, as a monitoring tool would stamp them.
  const began = new Date(Math.floor(Date.now() / 60_000) * 60_000 - OUTAGE_MINUTES * 60_000);
  const events = sampleEvents(began);
  if (config.natsUrl) {
    const subjects = new Subjects(config.natsNamespace);
    const nc = await connect({ servers: config.natsUrl.split(',') });
    const js = jetstream(nc);
    let sent = 0;
    for (const event of events) {
      await js.publish(subjects.in('canonical'), new TextEncoder().encode(JSON.stringify(event)));
      sent += 1;
      if (sent % 10 === 0 || sent === events.length) process.stdout.write(`\rpublished ${sent}/${events.length} to ${subjects.in('canonical')}`);
    }
    process.stdout.write('\n');
    await nc.drain();
    return;
  }
  const base = process.env.CORRAL_URL ?? `http://localhost:${config.port}`;
  // Read-your-writes: the answer comes once the sample is correlated, so the list below shows it.
  const response = await fetch(`${base}/v1/events?wait=correlated`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth() },
    body: JSON.stringify(events),
  }).catch((error: unknown) => {
    throw new Error(`could not reach corral at ${base} (${String(error)}): start it with "npm start", or set CORRAL_URL`);
  });
  const answer = (await response.json()) as { accepted?: number; duplicates?: number; rejected?: unknown[]; correlated?: boolean };
  const { accepted, duplicates, rejected, correlated } = answer;
  // The counts, not the incident of each of 70 events.
  console.log(`POST ${base}/v1/events → ${response.status}`, response.status === 202 ? { accepted, duplicates, rejected } : answer);
  if (correlated === false) console.log('  (still being correlated: the list below may not show all of it yet)');
  const incidents = (await (await fetch(`${base}/v1/incidents?status=open`, { headers: auth() })).json()) as { items: Array<Record<string, unknown>> };
  for (const i of incidents.items) console.log(`  ${String(i.priority)} ${String(i.system)} "${String(i.title)}": ${String(i.childCount)} children, ${String(i.distinctRequesters)} people`);
  // ?at= answers as corral saw things (an incident counts from when corral opened it): an instant
  // just after this sample committed shows it, today or next week.
  const after = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  console.log(`how it stood right after this sample, whenever you ask:`);
  console.log(`  curl -s -H "Authorization: Bearer $CORRAL_API_KEY" '${base}/v1/blast-radius?at=${after}'`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error));
  process.exit(1);
});

/** corral answers only to keys: an admin key (or an ingest key, for posting only) in CORRAL_API_KEY. */
function auth(): Record<string, string> {
  return process.env.CORRAL_API_KEY ? { authorization: `Bearer ${process.env.CORRAL_API_KEY}` } : {};
}

import { readFileSync } from 'node:fs';
import { jetstream } from '@nats-io/jetstream';
import { eventIdToken } from '../../src/correlation/privacy.js';
import { apiFetch, eventually, getJson, inboxCorrelated, TOKEN_KEY, type CorralSuite } from '../support/harness.js';

export type Transport = 'http' | 'nats';

export interface Child {
  id: string;
  kind: string;
  source: { type: string; system: string };
  status: string;
  severity: string;
  repeats: number;
  requesterToken?: string;
  facility?: string;
  department?: string;
}
export interface Incident {
  id: string;
  signature: string;
  title: string;
  status: string;
  severity: string;
  system: string;
  facilities: string[];
  departments: string[];
  childCount: number;
  children: Child[];
}

export function fixture(path: string): string {
  return readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
}
export function fixtureJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(fixture(path)) as T;
}

export const HL7_TYPE = 'x-application/hl7-v2+er7';

/** POSTs the body as the tool would; answers status and JSON reply. */
export async function post(suite: CorralSuite, path: string, body: string, contentType = 'application/json'): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await apiFetch(`${suite.corral.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/**
 * Feeds one native payload through the given transport and waits until corral has settled it:
 * over HTTP the reply says so; over NATS the consumer has nothing pending or unacked.
 */
export async function feed(suite: CorralSuite, transport: Transport, source: string, body: string, contentType = 'application/json'): Promise<void> {
  if (transport === 'http') {
    const reply = await post(suite, `/v1/ingest/${source}?wait=correlated`, body, contentType);
    if (reply.status >= 300) throw new Error(`POST /v1/ingest/${source} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return;
  }
  await jetstream(suite.nats.nc).publish(suite.nats.subjects.in(source), new TextEncoder().encode(body));
  await settled(suite);
}

/** Every message acked (durable in the inbox), and the inbox correlated up to its newest row. */
export async function settled(suite: CorralSuite): Promise<void> {
  await eventually(() => suite.nats.ingestConsumer(), (info) => info.num_pending === 0 && info.num_ack_pending === 0);
  await inboxCorrelated(suite.db.url);
}

export async function incidents(suite: CorralSuite): Promise<Incident[]> {
  const list = await getJson<{ items: Array<{ id: string }> }>(`${suite.corral.baseUrl}/v1/incidents?limit=500`);
  return Promise.all(list.body.items.map(async ({ id }) => (await getJson<Incident>(`${suite.corral.baseUrl}/v1/incidents/${id}`)).body));
}

/**
 * The incident holding the child with this source event id (whatever the correlation rules made of
 * it). corral keeps the id only as its keyed token, so that is what is looked for.
 */
export async function holding(suite: CorralSuite, sourceId: string): Promise<{ incident: Incident; child: Child }> {
  const childId = eventIdToken(TOKEN_KEY, sourceId);
  const all = await eventually(
    () => incidents(suite),
    (list) => list.some((i) => i.children.some((c) => c.id === childId)),
    10_000,
  );
  const incident = all.find((i) => i.children.some((c) => c.id === childId)) as Incident;
  return { incident, child: incident.children.find((c) => c.id === childId) as Child };
}

export async function deadLetters(suite: CorralSuite): Promise<Array<{ reason: string; source: string; subject: string; detail: string; body: string }>> {
  return (await getJson<{ items: Array<{ reason: string; source: string; subject: string; detail: string; body: string }> }>(`${suite.corral.baseUrl}/v1/dead-letters?limit=500`)).body.items;
}

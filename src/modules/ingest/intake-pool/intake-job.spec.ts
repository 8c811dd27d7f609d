import { readFileSync } from 'node:fs';
import { jest } from '@jest/globals';
import { anEvent } from '../../../correlation/test-events.js';
import type { ClusterRouter } from '../../cluster/cluster-router.js';
import type { CorralConfig } from '../../config/corral-config.js';
import type { Enricher } from '../../enrichment/enricher.js';
import { InvalidInputError, TooLargeError } from '../../http/domain-errors.js';
import type { Inbox } from '../../inbox/inbox.service.js';
import type { InboxEntry } from '../../inbox/inbox-writer.js';
import type { MetricsService } from '../../metrics/metrics.service.js';
import { IngestService } from '../ingest.service.js';
import { InvalidJsonError } from '../json-body.js';
import { NativeIngestService } from '../native-ingest.service.js';
import type { NativeSource } from '../sources/registry.js';
import { refusalError, runIntakeJob } from './intake-job.js';
import type { IntakePool } from './intake-pool.js';

const TOKEN_KEY = 'spec-token-key-0123456789abcdefghijklmnop';
const fixture = (path: string) => readFileSync(new URL(`../../../../test/fixtures/${path}`, import.meta.url), 'utf8');
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');

/** An Alertmanager webhook of `n` distinct firing alerts (the fixture's first, relabelled). */
export function alertmanagerWebhook(n: number): Record<string, unknown> {
  const webhook = JSON.parse(fixture('alertmanager/webhook-v4-1.json')) as { alerts: Array<{ labels: Record<string, string>; fingerprint: string }> };
  const [first] = webhook.alerts;
  const alerts = Array.from({ length: n }, (_, i) => ({ ...first, labels: { ...first?.labels, instance: `host-${i % 37}:9100`, channel: `CH_${i}` }, fingerprint: `f${i.toString(16).padStart(15, '0')}` }));
  return { ...webhook, alerts };
}

/** The pool's contract without its threads: the worker's pure function, its reply handed back as the pool does. */
const IN_PROCESS = {
  takes: () => true,
  prepare: (route: 'canonical' | NativeSource, body: Uint8Array, correlationId: string, receivedAt: string) => {
    const reply = runIntakeJob({ route, bytes: body, correlationId, receivedAt }, TOKEN_KEY);
    return reply.kind === 'refused' ? Promise.reject(refusalError(reply)) : Promise.resolve(structuredClone(reply));
  },
} as unknown as IntakePool;
const INLINE = { takes: () => false } as unknown as IntakePool;

function services(pool: IntakePool) {
  const appended: InboxEntry[][] = [];
  const sources: string[] = [];
  const rejected: Array<[string, number]> = [];
  const inbox = { enabled: true, append: (entries: InboxEntry[], source: string) => (appended.push(entries), sources.push(source), Promise.resolve(entries.map((_, i) => (i % 7 === 3 ? null : i + 1)))) } as unknown as Inbox;
  const config = { tokenKey: TOKEN_KEY } as CorralConfig;
  const metrics = { eventsRejected: (source: string, count = 1) => rejected.push([source, count]) } as unknown as MetricsService;
  const ingest = new IngestService({} as ClusterRouter, inbox, config, { enabled: false } as Enricher, metrics, pool);
  const native = new NativeIngestService(ingest, config, pool);
  /** Each appended row as the writer would write it, its arrival left out (each request has its own). */
  const rows = () => appended.map((group) => group.map((e) => ({ dedup: e.dedup, text: ('text' in e ? e.text : JSON.stringify(e.input)).replace(/"receivedAt":"[^"]+"/g, '"receivedAt":"-"') })));
  return { ingest, native, rows, sources, rejected };
}

const outcome = (promise: Promise<unknown>): Promise<{ answer?: unknown; error?: unknown }> =>
  promise.then(
    (answer) => ({ answer }),
    (error: unknown) => ({ error: error instanceof Error ? { class: error.constructor.name, message: error.message, details: (error as InvalidInputError).details } : error }),
  );

/** The same request inline and through the worker's function: the same answer, rows, source and counters. */
async function same(send: (s: ReturnType<typeof services>) => Promise<unknown>) {
  const inline = services(INLINE);
  const worker = services(IN_PROCESS);
  const a = await outcome(send(inline));
  const b = await outcome(send(worker));
  expect(b).toEqual(a);
  expect(worker.rows()).toEqual(inline.rows());
  expect(worker.sources).toEqual(inline.sources);
  expect(worker.rejected).toEqual(inline.rejected);
  return { ...b, rows: worker.rows() };
}

describe('runIntakeJob: what a worker does equals what the main thread does inline', () => {
  // The clock stands still: an event without its own instant takes its arrival's, in both runs.
  beforeEach(() => jest.useFakeTimers({ now: Date.now() }));
  afterEach(() => jest.useRealTimers());

  it('alertmanager: 500 alerts give the same answer and the same rows, text and dedup', async () => {
    const body = alertmanagerWebhook(500);
    const { answer, rows } = await same((s) => s.native.ingestHttp('alertmanager', bytes(body), 'c-1'));
    expect(rows.flat()).toHaveLength(500);
    expect(answer).toMatchObject({ accepted: 500 - 71, duplicates: 71, ignored: 0, rejected: [] });
  });

  it('canonical: valid, invalid and mixed arrays, one event, an empty array, too many', async () => {
    const events = Array.from({ length: 120 }, (_, i) => (i % 3 === 1 ? { id: `bad-${i}`, kind: 'nope' } : anEvent({ id: `e-${i}`, system: `sys-${i % 5}`, correlationId: `k-${i}` })));
    const mixed = await same((s) => s.ingest.ingestHttp(bytes(events), 'c-1'));
    expect(mixed).toMatchObject({ answer: { rejected: expect.arrayContaining([expect.objectContaining({ index: 1 })]) as unknown } });
    await same((s) => s.ingest.ingestHttp(bytes(events.filter((_, i) => i % 3 === 1)), 'c-1'));
    await same((s) => s.ingest.ingestHttp(bytes(Array.from({ length: 150 }, (_, i) => ({ id: i }))), 'c-1'));
    await same((s) => s.ingest.ingestHttp(bytes(anEvent({ id: 'one', correlationId: 'k' })), 'c-1'));
    await same((s) => s.ingest.ingestHttp(bytes({ id: 'one' }), 'c-1'));
    const empty = await same((s) => s.ingest.ingestHttp(bytes([]), 'c-1'));
    expect(empty).toMatchObject({ error: { class: InvalidInputError.name } });
    const tooMany = await same((s) => s.ingest.ingestHttp(bytes(Array.from({ length: 1001 }, () => ({}))), 'c-1'));
    expect(tooMany).toMatchObject({ error: { class: TooLargeError.name } });
  });

  it('malformed and empty bodies: InvalidJsonError, nothing appended', async () => {
    for (const text of ['', '[{"id":', '{"alerts":[]}}']) {
      const canonical = await same((s) => s.ingest.ingestHttp(bytes(text), 'c-1'));
      expect(canonical).toEqual({ error: { class: InvalidJsonError.name, message: 'the body is not valid JSON', details: undefined }, rows: [] });
      const native = await same((s) => s.native.ingestHttp('alertmanager', bytes(text), 'c-1'));
      expect(native).toMatchObject({ error: { class: InvalidJsonError.name } });
    }
  });

  it('an invalid native payload: the same 400 naming its fields', async () => {
    const { error } = await same((s) => s.native.ingestHttp('alertmanager', bytes({ alerts: 'no' }), 'c-1'));
    expect(error).toMatchObject({ class: InvalidInputError.name });
    await same((s) => s.native.ingestHttp('alertmanager', bytes({ alerts: [{ labels: { alertname: 'x\u0001y' }, status: 'firing', startsAt: '2026-01-01T00:00:00Z' }] }), 'c-1'));
    await same((s) => s.native.ingestHttp('alertmanager', Buffer.from('{"alerts":"\xff"}', 'latin1'), 'c-1'));
  });

  it('pagerduty: trigger, resolve and acknowledge, with the dedup key to answer', async () => {
    for (const name of ['trigger-docs.json', 'resolve-docs.json', 'acknowledge-docs.json']) {
      const { answer } = await same((s) => s.native.ingestHttp('pagerduty', bytes(fixture(`pagerduty/${name}`)), 'c-1'));
      expect((answer as { dedupKey?: string }).dedupKey).toEqual(expect.any(String));
    }
  });

  it('the other JSON sources, as their fixtures', async () => {
    for (const [source, file] of [['grafana', 'grafana/webhook-firing-docs.json'], ['okta', 'okta/event-hook-request-docs.json'], ['mirth', 'mirth/alert-destination-error.json'], ['helpdesk', 'helpdesk/report-email.json']] as const) {
      await same((s) => s.native.ingestHttp(source, bytes(fixture(file)), 'c-1'));
    }
  });

  it('hl7 stays inline (text): the pool is not asked', async () => {
    const asked: string[] = [];
    const pool = { takes: () => true, prepare: (route: string) => (asked.push(route), Promise.reject(new Error('not for HL7'))) } as unknown as IntakePool;
    const { native, rows } = services(pool);
    const answer = await native.ingestHttp('hl7', bytes(fixture('hl7/ack-ae-camel-mllp.hl7')), 'c-1');
    expect(asked).toEqual([]);
    expect(answer.accepted + answer.duplicates).toBe(1);
    expect(rows().flat()).toHaveLength(1);
  });
});

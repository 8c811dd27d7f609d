import { readFileSync } from 'node:fs';
import { anEvent } from '../../correlation/test-events.js';
import type { ClusterRouter } from '../cluster/cluster-router.js';
import type { CorralConfig } from '../config/corral-config.js';
import type { Enricher } from '../enrichment/enricher.js';
import { InvalidInputError } from '../http/domain-errors.js';
import type { Inbox } from '../inbox/inbox.service.js';
import type { InboxEntry } from '../inbox/inbox-writer.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { IngestService } from './ingest.service.js';
import type { IntakePool } from './intake-pool/intake-pool.js';

/** No intake workers: everything inline. */
const INLINE = { takes: () => false } as unknown as IntakePool;
import { INVALID_JSON_MESSAGE, InvalidJsonError, parseJsonBody } from './json-body.js';
import { NativeIngestService } from './native-ingest.service.js';
import { pagerDutyDedupKey } from './sources/pagerduty.js';

const fixture = (path: string) => readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url), 'utf8');
const bytes = (text: string) => Buffer.from(text, 'utf8');

function services() {
  const appended: InboxEntry[][] = [];
  const rejected: Array<[string, number]> = [];
  const inbox = { enabled: true, append: (entries: InboxEntry[]) => (appended.push(entries), Promise.resolve(entries.map((_, i) => i + 1))) } as unknown as Inbox;
  const config = { tokenKey: 'spec-token-key-0123456789abcdefghijklmnop' } as CorralConfig;
  const metrics = { eventsRejected: (source: string, count = 1) => rejected.push([source, count]) } as unknown as MetricsService;
  const ingest = new IngestService({} as ClusterRouter, inbox, config, { enabled: false } as Enricher, metrics, INLINE);
  return { ingest, native: new NativeIngestService(ingest, config, INLINE), appended, rejected };
}

const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('parseJsonBody: the semantics Fastify’s JSON parser gave the ingest routes', () => {
  it('parses JSON; a __proto__ key is plain data; a leading BOM is skipped', () => {
    const parsed = parseJsonBody(bytes('{"__proto__":{"polluted":1},"a":[1]}')) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(parseJsonBody(bytes('\uFEFF[1]'))).toEqual([1]);
  });

  it.each([[''], [' '], ['{'], ['\uFEFF'], ['{"a":1}x'], ['nul']])('refuses %j with the 400 Fastify’s refusal got', (text) => {
    expect(() => parseJsonBody(bytes(text))).toThrow(InvalidJsonError);
    expect(() => parseJsonBody(bytes(text))).toThrow(INVALID_JSON_MESSAGE);
  });

  it('bytes that are not UTF-8 become U+FFFD (the adapters refuse them), as the string parser made them', () => {
    expect(parseJsonBody(Buffer.from([0x22, 0xff, 0x22]))).toBe('\uFFFD');
  });

  it('reads a view into a larger buffer by its own bytes only', () => {
    const whole = bytes('xx[1,2]yy');
    expect(parseJsonBody(whole.subarray(2, 7))).toEqual([1, 2]);
  });
});

describe('the ingest services take the raw JSON bytes of a request', () => {
  it('canonical: the same answer and inbox rows as the parsed body, valid and invalid items alike', async () => {
    const body = [anEvent({ id: 'a' }), { id: 'broken' }, anEvent({ id: 'b' })];
    const parsed = services();
    const raw = services();
    const a = await parsed.ingest.ingestHttp(body, 'c-1');
    const b = await raw.ingest.ingestHttp(bytes(JSON.stringify(body)), 'c-1');
    expect(b).toEqual(a);
    expect(b.rejected).toEqual([{ index: 1, reason: expect.any(String) as string }]);
    expect(raw.appended.map((g) => g.map((e) => e.dedup))).toEqual(parsed.appended.map((g) => g.map((e) => e.dedup)));
    expect(raw.rejected).toEqual([['canonical', 1]]);
  });

  it('canonical and native: an empty or malformed body is InvalidJsonError, nothing appended', async () => {
    const { ingest, native, appended } = services();
    for (const error of [await refusal(ingest.ingestHttp(bytes(''), 'c')), await refusal(ingest.ingestHttp(bytes('[{'), 'c')), await refusal(native.ingestHttp('alertmanager', bytes('{"alerts":'), 'c'))]) {
      expect(error).toBeInstanceOf(InvalidJsonError);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toBe('the body is not valid JSON');
      expect((error as InvalidInputError).details).toBeUndefined();
    }
    expect(appended).toEqual([]);
  });

  it('alertmanager: the same answer and rows as the parsed body', async () => {
    const text = fixture('alertmanager/webhook-v4-1.json');
    const parsed = services();
    const raw = services();
    const a = await parsed.native.ingestHttp('alertmanager', JSON.parse(text), 'c-1');
    const b = await raw.native.ingestHttp('alertmanager', bytes(text), 'c-1');
    expect(b).toEqual(a);
    expect(b.dedupKey).toBeUndefined();
    expect(raw.appended.flat().map((e) => e.dedup)).toEqual(parsed.appended.flat().map((e) => e.dedup));
  });

  it('pagerduty: the answer carries the dedup key PagerDuty answers with, from the parsed body', async () => {
    const { native } = services();
    for (const name of ['trigger-docs.json', 'resolve-docs.json', 'acknowledge-docs.json']) {
      const text = fixture(`pagerduty/${name}`);
      const result = await native.ingestHttp('pagerduty', bytes(text), 'c-1');
      expect(result.dedupKey).toBe(pagerDutyDedupKey(JSON.parse(text) as Record<string, unknown>));
      expect((await native.ingestHttp('pagerduty', JSON.parse(text), 'c-1')).dedupKey).toBe(result.dedupKey);
    }
    const keyless = { routing_key: 'k', event_action: 'trigger', payload: { summary: 's', source: 'h', severity: 'info' } };
    expect((await native.ingestHttp('pagerduty', bytes(JSON.stringify(keyless)), 'c-1')).dedupKey).toBe(pagerDutyDedupKey(keyless));
  });

  it('hl7: raw bytes are read as the message text', async () => {
    const text = fixture('hl7/ack-ae-camel-mllp.hl7');
    const parsed = services();
    const raw = services();
    expect(await raw.native.ingestHttp('hl7', bytes(text), 'c-1')).toEqual(await parsed.native.ingestHttp('hl7', text, 'c-1'));
    expect(raw.appended.flat().map((e) => e.dedup)).toEqual(parsed.appended.flat().map((e) => e.dedup));
  });
});

import type { Input, ResolveInput } from '../../correlation/inputs.js';
import { anEvent } from '../../correlation/test-events.js';
import type { ClusterRouter } from '../cluster/cluster-router.js';
import type { CorralConfig } from '../config/corral-config.js';
import type { Enricher } from '../enrichment/enricher.js';
import type { Inbox } from '../inbox/inbox.service.js';
import type { InputEntry as InboxEntry } from '../inbox/inbox-writer.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { dedupKey } from '../inbox/dedup-key.js';
import { admit } from './admission.js';
import { IngestService } from './ingest.service.js';
import type { IntakePool } from './intake-pool/intake-pool.js';

/** No intake workers: everything inline. */
const INLINE = { takes: () => false } as unknown as IntakePool;

const admitted = (...args: Parameters<typeof anEvent>) => {
  const admission = admit(anEvent(...args));
  if (!admission.ok) throw new Error(admission.reason);
  return admission.event;
};

const resolve = (id: string): ResolveInput => ({ type: 'resolve', source: { type: 'pagerduty', system: 'pd-x' }, id, occurredAt: '2026-12-05T10:00:00.000Z', receivedAt: '2026-12-05T10:00:00.000Z', correlationId: 'c-1' });

describe('IngestService.take', () => {
  it('several instances (no inbox): submits a payload in one go, events then resolves, each named by its place in the message', async () => {
    const calls: Input[][] = [];
    const router = {
      submit: (inputs: Input[]) => {
        calls.push(inputs);
        return Promise.resolve(inputs.map((input) => (input.type === 'resolve' ? { incidentId: null, signature: '', duplicate: false, ignored: 'unknown child' } : { incidentId: 'i', signature: 's', duplicate: false })));
      },
    } as unknown as ClusterRouter;
    const service = new IngestService(router, { enabled: false } as Inbox, {} as CorralConfig, { enabled: false } as Enricher, {} as MetricsService, INLINE);
    const taken = await service.take([admitted({ id: 'e0' }), admitted({ id: 'e1' })], [resolve('r1'), resolve('r2')]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.map((i) => (i.type === 'event' ? i.event.id : i.type === 'resolve' ? `resolve ${i.id}` : i.type))).toEqual(['e0', 'e1', 'resolve r1', 'resolve r2']);
    expect(taken.kind).toBe('committed');
  });

  it('the inbox: a resolve is appended with the events, as plain data, under its own dedup key (system, id, resolved, occurredAt)', async () => {
    const appended: InboxEntry[][] = [];
    const inbox = { enabled: true, append: (entries: InboxEntry[]) => (appended.push(entries), Promise.resolve(entries.map((_, i) => i + 1))) } as unknown as Inbox;
    const service = new IngestService({} as ClusterRouter, inbox, {} as CorralConfig, { enabled: false } as Enricher, {} as MetricsService, INLINE);
    const r = resolve('r1');
    await service.take([admitted({ id: 'e0' })], [r]);
    expect(appended).toHaveLength(1);
    expect(appended[0]?.map((e) => e.input.type)).toEqual(['event', 'resolve']);
    expect(JSON.parse(JSON.stringify(appended[0]?.[1]?.input))).toEqual(r);
    expect(appended[0]?.[1]?.dedup).toBe(dedupKey({ source: r.source, id: 'r1', status: 'resolved', occurredAt: r.occurredAt }));
    expect(appended[0]?.[1]?.dedup).not.toBe(dedupKey({ source: r.source, id: 'r1', status: 'firing', occurredAt: r.occurredAt }));
  });
});

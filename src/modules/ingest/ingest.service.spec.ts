import type { Input } from '../../correlation/correlator.js';
import { anEvent } from '../../correlation/test-events.js';
import type { ClusterRouter } from '../cluster/cluster-router.js';
import type { CorralConfig } from '../config/corral-config.js';
import type { Enricher } from '../enrichment/enricher.js';
import type { Inbox } from '../inbox/inbox.service.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { admit } from './admission.js';
import { IngestService } from './ingest.service.js';

const admitted = (...args: Parameters<typeof anEvent>) => {
  const admission = admit(anEvent(...args));
  if (!admission.ok) throw new Error(admission.reason);
  return admission.event;
};

describe('IngestService.take (several instances: no inbox)', () => {
  it('submits a payload in one go, naming each addressed event by its place in the message, not among those found', async () => {
    const calls: Array<{ inputs: Input[]; positions: number[] | undefined }> = [];
    const router = {
      submit: (inputs: Input[], positions?: number[]) => {
        calls.push({ inputs, positions });
        return Promise.resolve(inputs.map(() => ({ incidentId: null, signature: 's', duplicate: false })));
      },
    } as unknown as ClusterRouter;
    const service = new IngestService(router, { enabled: false } as Inbox, {} as CorralConfig, { enabled: false } as Enricher, {} as MetricsService);
    const events = [admitted({ id: 'e0' }), admitted({ id: 'e1' })];
    // The message held three resolves; only the second and third found their incident this time.
    await service.take(events, [
      { signature: 'sig-a', event: admitted({ id: 'r1', status: 'resolved' }), position: 1 },
      { signature: 'sig-b', event: admitted({ id: 'r2', status: 'resolved' }), position: 2 },
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.positions).toEqual([0, 1, 3, 4]);
    expect(calls[0]?.inputs.map((i) => (i.type === 'event' ? [i.event.id, i.signature ?? null] : null))).toEqual([
      ['e0', null],
      ['e1', null],
      ['r1', 'sig-a'],
      ['r2', 'sig-b'],
    ]);
  });
});

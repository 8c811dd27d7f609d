import { normalizePagerDuty, pagerDutySystem } from './pagerduty.js';
import { codeToken } from '../../../correlation/privacy.js';
import { context, eventsOf, json, idOf, KEY } from './spec-support.js';

describe('normalizePagerDuty', () => {
  it('turns a trigger into an alert keyed by its dedup_key, scoped to its routing key', () => {
    const result = normalizePagerDuty(json('pagerduty/trigger-openapi.json'), context);

    expect(result).toMatchObject({ ok: true, dedupKey: 'srv01/mysql' });
    expect(eventsOf(result)[0]).toMatchObject({
      id: idOf('srv01/mysql'), severity: 'critical', system: 'mysql', errorSignature: 'disk', occurredAt: '2015-07-17T08:42:58.315Z',
      source: { type: 'pagerduty', system: pagerDutySystem('e93facc04764012d7bfb002500d5d1a6'), instance: codeToken(KEY, 'Sample Monitoring Service') },
    });
    expect(JSON.stringify(result)).not.toContain('e93facc04764012d7bfb002500d5d1a6');
  });

  it('ignores an acknowledge and hands a resolve over as the child it closes', () => {
    expect(normalizePagerDuty(json('pagerduty/acknowledge-docs.json'), context)).toMatchObject({ ok: true, events: [], ignored: 1 });
    expect(normalizePagerDuty(json('pagerduty/resolve-docs.json'), context)).toMatchObject({
      ok: true, events: [], resolves: [{ id: idOf('dedupkeyhere'), source: { type: 'pagerduty', system: pagerDutySystem('routingkeyhere') } }],
    });
  });

  it('derives a stable dedup key for a trigger without one', () => {
    const { dedup_key: _, ...body } = json('pagerduty/trigger-docs.json');

    const [a, b] = [normalizePagerDuty(body, context), normalizePagerDuty({ ...body }, context)];

    expect(a.dedupKey).toMatch(/^[0-9a-f]{32}$/);
    expect(b.dedupKey).toBe(a.dedupKey);
  });

  it('names the field PagerDuty would reject', () => {
    const body = json('pagerduty/trigger-docs.json');
    expect(normalizePagerDuty({ ...body, event_action: 'explode' }, context)).toMatchObject({ ok: false, field: 'event_action' });
    expect(normalizePagerDuty({ ...body, payload: { ...(body.payload as object), severity: 'apocalyptic' } }, context)).toMatchObject({ ok: false, field: 'payload.severity' });
    expect(normalizePagerDuty({ routing_key: 'k', event_action: 'resolve' }, context)).toMatchObject({ ok: false, field: 'dedup_key' });
  });
});

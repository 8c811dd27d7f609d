import { normalizeGrafana } from './grafana.js';
import { codeToken } from '../../../correlation/privacy.js';
import { context, eventsOf, json, idOf, KEY } from './spec-support.js';

describe('normalizeGrafana', () => {
  it('reads the alerts of the v1 payload and ignores values and the rendered message', () => {
    const events = eventsOf(normalizeGrafana(json('grafana/webhook-firing-docs.json'), context));

    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ id: idOf('c6eadffa33fcdf37:2021-10-12T09:51:03.157076+02:00'), source: { type: 'grafana', instance: 'play.grafana.org' }, system: codeToken(KEY, 'High memory usage'), symptom: 'This alert was triggered for zone us-1', labels: { orgId: '1', team: 'blue' } });
  });

  it('honours a resolved alert and its endsAt', () => {
    const [event] = eventsOf(normalizeGrafana(json('grafana/webhook-resolved-zulip-fixture.json'), context));

    expect(event).toMatchObject({ status: 'resolved', occurredAt: '2022-06-17T00:51:24.067Z' });
  });
});

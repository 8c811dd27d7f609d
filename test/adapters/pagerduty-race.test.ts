import { jetstream } from '@nats-io/jetstream';
import { useCorralSuite } from '../support/harness.js';
import { fixtureJson, holding, post, settled } from './adapter-support.js';

// A PagerDuty resolve names only its dedup_key. Intake appends it to the inbox like any event and
// the correlator finds the child it closes when it reaches it, after everything appended before:
// a resolve right behind its trigger (JetStream's backlog after downtime hands both over at once;
// a sender posting back to back) closes the child even when both land in one batch, where the
// trigger is nowhere in the database yet.
describe('PagerDuty: a resolve right behind its trigger', () => {
  // Batches wait 300 ms for more: the trigger is certainly not correlated when the resolve arrives.
  const suite = useCorralSuite({ BATCH_MAX_DELAY_MS: '300' });
  const trigger = fixtureJson('pagerduty/trigger-openapi.json');
  const resolveOf = (dedupKey: string) => ({ ...fixtureJson('pagerduty/resolve-docs.json'), routing_key: trigger.routing_key, dedup_key: dedupKey });

  it('closes the child over JetStream, both published together', async () => {
    const js = jetstream(suite.nats.nc);
    const subject = suite.nats.subjects.in('pagerduty');
    const encode = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));
    await Promise.all([js.publish(subject, encode({ ...trigger, dedup_key: 'race/nats' })), js.publish(subject, encode(resolveOf('race/nats')))]);
    await settled(suite);
    expect((await holding(suite, 'race/nats')).child.status).toBe('resolved');
  });

  it('closes the child over HTTP, posted back to back without waiting for correlation', async () => {
    const triggered = await post(suite, '/v1/ingest/pagerduty', JSON.stringify({ ...trigger, dedup_key: 'race/http' }));
    // The trigger is in the inbox (its 202), its batch still waiting its 300 ms: the resolve goes in behind it.
    const resolved = await post(suite, '/v1/ingest/pagerduty?wait=correlated', JSON.stringify(resolveOf('race/http')));
    expect([triggered.status, resolved.status]).toEqual([202, 202]);
    const held = await holding(suite, 'race/http');
    expect(held.child.status).toBe('resolved');
    expect(resolved.body).toMatchObject({ correlated: true, incidents: [{ index: 0, incidentId: held.incident.id }] });
  });

  it('answers a resolve for a dedup key corral never saw like PagerDuty (202), and it changes nothing', async () => {
    const resolved = await post(suite, '/v1/ingest/pagerduty?wait=correlated', JSON.stringify(resolveOf('race/never-triggered')));
    expect(resolved).toEqual({
      status: 202,
      body: { status: 'success', message: 'Event processed', dedup_key: 'race/never-triggered', correlated: true, incidents: [{ index: 0, incidentId: null, ignored: expect.stringMatching(/no incident holds this child/) }] },
    });
  });
});

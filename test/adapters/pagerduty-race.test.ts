import { jetstream } from '@nats-io/jetstream';
import { useCorralSuite } from '../support/harness.js';
import { fixtureJson, holding, post, settled } from './adapter-support.js';

// A PagerDuty resolve names only its dedup_key; corral finds the child it closes among committed
// rows. A resolve that came right behind its trigger (JetStream's backlog after downtime hands
// both over at once; a sender posting back to back) was looked up while the trigger's batch had not
// committed yet, found nothing, and was ignored: the child stayed firing until auto-resolve.
describe('PagerDuty: a resolve right behind its trigger', () => {
  // Batches wait 300 ms for more: the trigger is certainly not committed when the resolve arrives.
  const suite = useCorralSuite({ BATCH_MAX_DELAY_MS: '300' });
  const trigger = fixtureJson('pagerduty/trigger-openapi.json');
  const resolveOf = (dedupKey: string) => ({ ...fixtureJson('pagerduty/resolve-docs.json'), routing_key: trigger.routing_key, dedup_key: dedupKey });

  it('closes the child over JetStream', async () => {
    const js = jetstream(suite.nats.nc);
    const subject = suite.nats.subjects.in('pagerduty');
    const encode = (body: unknown) => new TextEncoder().encode(JSON.stringify(body));
    await js.publish(subject, encode({ ...trigger, dedup_key: 'race/nats' }));
    await js.publish(subject, encode(resolveOf('race/nats')));
    await settled(suite);
    expect((await holding(suite, 'race/nats')).child.status).toBe('resolved');
  });

  it('closes the child over HTTP', async () => {
    const triggered = post(suite, '/v1/ingest/pagerduty', JSON.stringify({ ...trigger, dedup_key: 'race/http' }));
    // Sent once the trigger is in (not answered yet: its batch waits its 300 ms).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const resolved = await post(suite, '/v1/ingest/pagerduty', JSON.stringify(resolveOf('race/http')));
    expect([(await triggered).status, resolved.status]).toEqual([202, 202]);
    expect((await holding(suite, 'race/http')).child.status).toBe('resolved');
  });
});

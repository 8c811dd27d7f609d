import { apiFetch, canonical, eventually, postJson, useCorralSuite } from './support/harness.js';

/** The value of one sample in Prometheus text format; 0 when the series does not exist yet. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

async function scrape(baseUrl: string): Promise<string> {
  const response = await apiFetch(`${baseUrl}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

const ACCEPTED = 'corral_events_total{source="canonical",outcome="accepted"}';
const DUPLICATE = 'corral_events_total{source="canonical",outcome="duplicate"}';
const REJECTED = 'corral_events_total{source="canonical",outcome="rejected"}';

describe('GET /metrics', () => {
  const suite = useCorralSuite();

  it('exposes the runtime instruments and the default process metrics', async () => {
    const text = await scrape(suite.corral.baseUrl);
    for (const name of [
      'corral_batch_size',
      'corral_batch_commit_seconds',
      'corral_mailbox_depth',
      'corral_live_actors',
      'corral_actor_hydrations_total',
      'corral_actor_passivations_total',
      'corral_nats_redeliveries_total',
      'corral_dead_letters',
      'corral_outbox_depth',
      'corral_event_to_ticket_seconds',
      'corral_inbox_append_rows',
      'corral_inbox_append_seconds',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    // Nothing feeds the outbox yet: its gauge reads the placeholder callback.
    expect(sample(text, 'corral_outbox_depth')).toBe(0);
  });

  it('counts accepted and duplicate events, batches and actors after HTTP ingest', async () => {
    const before = await scrape(suite.corral.baseUrl);
    const a = canonical({ id: 'm-a', system: 'metrics-a' });
    const b = canonical({ id: 'm-b', system: 'metrics-b' });
    const posted = await postJson<{ accepted: number; duplicates: number }>(`${suite.corral.baseUrl}/v1/events?wait=correlated`, [a, b]);
    expect(posted.body).toMatchObject({ accepted: 2, duplicates: 0 });
    const repeat = await postJson<{ duplicates: number }>(`${suite.corral.baseUrl}/v1/events?wait=correlated`, a);
    expect(repeat.body.duplicates).toBe(1);

    const after = await scrape(suite.corral.baseUrl);
    expect(sample(after, ACCEPTED) - sample(before, ACCEPTED)).toBe(2);
    expect(sample(after, DUPLICATE) - sample(before, DUPLICATE)).toBe(1);
    // The resend never reaches the correlator (the inbox keeps it once): one batch, two inputs.
    expect(sample(after, 'corral_batch_size_count') - sample(before, 'corral_batch_size_count')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'corral_batch_size_sum') - sample(before, 'corral_batch_size_sum')).toBe(2);
    expect(sample(after, 'corral_batch_commit_seconds_count')).toBe(sample(after, 'corral_batch_size_count'));
    // Two appends (the pair, then the resend), timed; the resend's row counts as offered.
    expect(sample(after, 'corral_inbox_append_rows_count') - sample(before, 'corral_inbox_append_rows_count')).toBe(2);
    expect(sample(after, 'corral_inbox_append_rows_sum') - sample(before, 'corral_inbox_append_rows_sum')).toBe(3);
    expect(sample(after, 'corral_inbox_append_seconds_count')).toBe(sample(after, 'corral_inbox_append_rows_count'));
    expect(sample(after, 'corral_live_actors')).toBeGreaterThanOrEqual(2);
    expect(sample(after, 'corral_actor_hydrations_total') - sample(before, 'corral_actor_hydrations_total')).toBeGreaterThanOrEqual(2);
  });

  it('counts events that arrive over JetStream and dead letters', async () => {
    const before = await scrape(suite.corral.baseUrl);
    const { nats } = suite;
    nats.nc.publish(nats.subjects.in('canonical'), JSON.stringify(canonical({ id: 'm-nats', system: 'metrics-nats' })));
    nats.nc.publish(nats.subjects.in('canonical'), 'not json at all');
    await nats.nc.flush();
    const after = await eventually(
      () => scrape(suite.corral.baseUrl),
      (text) => sample(text, ACCEPTED) > sample(before, ACCEPTED) && sample(text, 'corral_dead_letters') > sample(before, 'corral_dead_letters'),
    );
    expect(sample(after, ACCEPTED) - sample(before, ACCEPTED)).toBe(1);
    expect(sample(after, 'corral_dead_letters') - sample(before, 'corral_dead_letters')).toBe(1);
    expect(sample(after, REJECTED) - sample(before, REJECTED)).toBe(1);
  });

  it('labels events on subjects it has no adapter for as one source, whatever the subject', async () => {
    const before = await scrape(suite.corral.baseUrl);
    const { nats } = suite;
    for (let i = 0; i < 5; i++) nats.nc.publish(nats.subjects.in(`made-up-${i}`), JSON.stringify(canonical({ id: `m-u${i}` })));
    await nats.nc.flush();
    const UNSUPPORTED = 'corral_events_total{source="unsupported",outcome="rejected"}';
    const after = await eventually(
      () => scrape(suite.corral.baseUrl),
      (text) => sample(text, UNSUPPORTED) - sample(before, UNSUPPORTED) >= 5,
    );
    expect(sample(after, UNSUPPORTED) - sample(before, UNSUPPORTED)).toBe(5);
    // A publisher chooses the subject: its tail must not become a time series of its own.
    expect(after).not.toContain('made-up-');
  });

  it('counts events refused over HTTP', async () => {
    const before = await scrape(suite.corral.baseUrl);

    await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, [canonical({ system: 'metrics-mixed' }), { id: 'no-schema' }, { id: 'no-schema-2' }]);

    const after = await scrape(suite.corral.baseUrl);
    expect(sample(after, REJECTED) - sample(before, REJECTED)).toBe(2);
  });
});

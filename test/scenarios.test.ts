import { readdirSync, readFileSync } from 'node:fs';
import { jetstream } from '@nats-io/jetstream';
import { ManualClock } from '../src/actors/clock.js';
import { compare, parseCases, type ObservedIncident, type RuleCase } from '../src/correlation/rule-cases.js';
import { Timekeeper } from '../src/modules/runtime/timekeeper.js';
import { createTestDatabase, eventually, getJson, inboxCorrelated, postJson, startCorral, TestNats } from './support/harness.js';

// The scenario suite: JSON cases (the same format `corral rules test` runs in memory) driven end to
// end — events published to JetStream, processed and committed to Postgres, incidents read back over
// HTTP — with a manual clock so that windows and timers are exercised without waiting for them.

const DIR = new URL('./scenarios/', import.meta.url);
const RULES = ['config/rules', 'test/scenarios/rules'].join(':');
const encoder = new TextEncoder();

const scenarios = readdirSync(DIR)
  .filter((name) => name.endsWith('.json'))
  .flatMap((name) => parseCases(JSON.parse(readFileSync(new URL(name, DIR), 'utf8')), name).map((c) => [name, c.name, c] as const));

interface View {
  id: string;
  system: string;
  facilities: string[];
  status: string;
  childCount: number;
  distinctRequesters: number;
  priority: string;
  parentId: string | null;
  suppressedBy: string | null;
  signature: string;
}

async function observe(baseUrl: string): Promise<ObservedIncident[]> {
  const { body } = await getJson<{ items: View[] }>(`${baseUrl}/v1/incidents?limit=500`);
  return Promise.all(
    body.items.map(async (incident) => {
      const timeline = await getJson<{ items: Array<{ kind: string; data: { episode?: number } }> }>(`${baseUrl}/v1/incidents/${incident.id}/timeline?limit=1000`);
      const opened = timeline.body.items.find((e) => e.kind === 'incident.opened');
      return {
        id: incident.id,
        system: incident.system,
        facilities: incident.facilities,
        episode: opened?.data.episode ?? 1,
        status: incident.status,
        children: incident.childCount,
        requesters: incident.distinctRequesters,
        priority: incident.priority,
        parentSystem: body.items.find((i) => i.id === incident.parentId)?.system ?? null,
        suppressed: incident.suppressedBy !== null,
        tickets: timeline.body.items.filter((e) => e.kind.startsWith('ticket.')).map((e) => e.kind),
      };
    }),
  );
}

describe('scenarios, end to end through NATS and Postgres', () => {
  it('has scenarios to run', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(7);
  });

  it.each(scenarios)('%s: %s', async (_file, _name, scenario: RuleCase) => {
    const db = await createTestDatabase();
    const nats = await TestNats.open();
    const clock = new ManualClock(new Date(scenario.start));
    const corral = await startCorral(
      { DATABASE_URL: db.url, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace, CORRAL_RULES_DIR: RULES, TIMER_POLL_MS: '60000' },
      { clock },
    );
    try {
      const js = jetstream(nats.nc);
      const timekeeper = corral.app.get(Timekeeper);
      let published = 0;
      for (const step of scenario.steps) {
        clock.set(new Date(Date.parse(scenario.start) + step.atMs));
        await timekeeper.poll();
        for (const { receivedAt: _, ...event } of step.events) {
          await js.publish(nats.subjects.in('canonical'), encoder.encode(JSON.stringify(event)));
          published += 1;
        }
        await eventually(() => nats.ingestConsumer(), (info) => info.num_pending === 0 && info.num_ack_pending === 0 && info.delivered.stream_seq >= published);
        // Acked is durable; the step's events must also be correlated before the clock moves on.
        await inboxCorrelated(db.url);
        for (const command of step.commands) {
          const target = (await observe(corral.baseUrl)).find((i) => i.system === command.system);
          await postJson(`${corral.baseUrl}/v1/incidents/${target?.id}/${command.verb}`, { by: command.by });
        }
      }

      expect(compare(scenario.expect, await observe(corral.baseUrl))).toEqual([]);
    } finally {
      await corral.close();
      await nats.close();
      await db.drop();
    }
  });
});

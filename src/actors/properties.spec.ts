import fc from 'fast-check';
import type { CanonicalEvent } from '../correlation/canonical-event.js';
import { childrenOf, isActive, type IncidentState } from '../correlation/incident.js';
import { Simulation } from './simulation.js';
import { anEvent, aReport, at, testRules } from '../correlation/test-events.js';

// Invariants over generated event streams, run through the same Correlator the runtime uses.

const rules = testRules();

const eventArb: fc.Arbitrary<CanonicalEvent> = fc
  .record({
    system: fc.constantFrom('epic-adt', 'lab-interface', 'pacs'),
    id: fc.constantFrom('a', 'b', 'c'),
    report: fc.boolean(),
    status: fc.constantFrom('firing' as const, 'resolved' as const),
    minute: fc.integer({ min: 0, max: 9 }),
  })
  .map(({ system, id, report, status, minute }) =>
    report
      ? aReport(`r-${id}`, 'cannot open the results screen', { system, occurredAt: at(minute).toISOString() })
      : anEvent({ id, system, status, occurredAt: at(minute).toISOString() }),
  );

async function run(events: CanonicalEvent[], simulation = new Simulation(rules)): Promise<Simulation> {
  // Processing time advances with the stream, so windows and flapping take part.
  for (const [i, event] of events.entries()) await simulation.event(event, at(i / 4));
  return simulation;
}

const summary = (simulation: Simulation) =>
  simulation
    .list()
    .map(({ status, incident }) => ({
      signature: incident.signature,
      episode: incident.episode,
      status,
      children: Object.fromEntries(childrenOf(incident).map((c) => [c.key, c.status])),
    }))
    .sort((a, b) => `${a.signature}#${a.episode}`.localeCompare(`${b.signature}#${b.episode}`));

describe('correlation invariants', () => {
  it('(a) counts every event exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 40 }), async (events) => {
        const simulation = await run(events);
        const folded = simulation.journal.filter((e) => ['child.attached', 'child.repeated', 'child.resolved', 'child.refired'].includes(e.kind));
        expect(folded).toHaveLength(events.length);
      }),
    );
  });

  it('(b) never has two active incidents for one signature', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 40 }), async (events) => {
        const simulation = await run(events);
        const active = simulation.list().filter((i) => isActive(i.status)).map((i) => i.incident.signature);
        expect(new Set(active).size).toBe(active.length);
      }),
    );
  });

  it('(c) does not depend on where exact duplicates fall', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 1, maxLength: 25 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 10 }),
        async (events, picks) => {
          // Each duplicate is inserted right after its original, or later: the result must not change.
          const withDuplicates = (picks: number[], later: boolean) => {
            const out = [...events];
            for (const pick of picks) {
              const index = pick % events.length;
              out.splice(later ? out.length : out.indexOf(events[index]) + 1, 0, events[index]);
            }
            return out;
          };
          const a = await run(withDuplicates(picks, false));
          const b = await run(withDuplicates(picks, true));
          expect(summary(b)).toEqual(summary(a));
        },
      ),
    );
  });

  it('(d) snapshot → hydrate → continue equals never passivating', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 2, maxLength: 40 }), fc.nat(), async (events, cut) => {
        const split = 1 + (cut % (events.length - 1));
        const straight = await run(events);

        const first = await run(events.slice(0, split));
        const saved = JSON.parse(JSON.stringify([...first.states.values()])) as IncidentState[];
        const resumed = Simulation.restore(rules, saved);
        for (const [offset, event] of events.slice(split).entries()) await resumed.event(event, at((split + offset) / 4));

        expect(JSON.parse(JSON.stringify([...resumed.states.entries()]))).toEqual(JSON.parse(JSON.stringify([...straight.states.entries()])));
      }),
    );
  });
});

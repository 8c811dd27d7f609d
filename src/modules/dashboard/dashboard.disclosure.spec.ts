import fc from 'fast-check';
import { assembleBlastRadius, type IncidentRecord, type SpreadRecord } from '../blast-radius/blast-radius.compute.js';
import { outcomesOf } from '../blast-radius/outcomes.js';
import { disclose } from '../blast-radius/suppression.js';
import type { Absorbed } from '../blast-radius/trends.js';
import type { DashboardFrame } from './browser/frame.js';
import { DASHBOARD_FRAME } from './dashboard.disclosure.js';
import { dashboardFrame, type FrameSources } from './dashboard.view.js';

/**
 * Leadership must never learn a count of people from 1 to threshold − 1, by difference or any other
 * arithmetic on what a frame shows. Each property plays the reader who knows the rules: it
 * enumerates every world the shown frame is consistent with (every value each "<threshold" count
 * could have, and whatever the frame does not show) and requires that every suppressed count could
 * still be any value from 1 to threshold − 1, or, for a curve, that no step between two points is
 * one known small count.
 */

const T = (hhmm: string) => new Date(`2026-11-24T${hhmm}:00.000Z`);
const NO_NAMES = { system: () => undefined, facility: () => undefined };
const FACILITIES = ['bellevue', 'kirkland', 'overlake'];

/** People per incident per facility: the only people counts the world has (every total is their sum). */
type Cells = number[][];

function record(id: string, facilities: string[], people: number): IncidentRecord {
  return {
    id,
    status: 'open',
    priority: 'P2',
    system: `system-${id}`,
    queue: null,
    parentId: null,
    facilities,
    departments: [],
    childCount: 40,
    distinctRequesters: people,
    patientImpact: false,
    openedAt: T('06:40'),
    firstSeen: T('06:40'),
    lastSeen: T('07:20'),
    facilityName: null,
    departmentName: null,
  };
}

function sourcesOf(cells: Cells, absorbed: Absorbed[], smallCount: number): FrameSources {
  const spread: SpreadRecord[] = cells.flatMap((row, i) => row.map((requesters, f) => ({ incidentId: `i${i}`, facility: FACILITIES[f] ?? null, departments: [], childCount: requesters, requesters })));
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const blast = assembleBlastRadius({
    mode: 'now',
    at: T('07:30'),
    incidents: cells.map((row, i) => record(`i${i}`, FACILITIES.slice(0, row.length), sum(row))),
    spread,
    parents: [],
    peopleAffected: sum(cells.flat()),
  });
  const series = { from: T('07:00').toISOString(), bucketSeconds: 3600, byPriority: [] };
  return {
    blast,
    growth: new Map(),
    today: { from: T('00:00'), absorbed },
    openOverTime: { day: series, week: series, month: series },
    weekly: { from: T('00:00').toISOString(), bucketSeconds: 604_800, byPriority: [] },
    week: outcomesOf({ from: T('00:00'), to: T('07:30') }, [], { byPath: [], incidents: 0 }),
    names: NO_NAMES,
    smallCount,
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('what leadership can work out from a dashboard frame', () => {

  it('finds no step of a growth curve (children, 5 at a time) to be a known count from 1 to 4, even beside the exact current count', () => {
    const five = 5;
    /** Values a shown point stands for: 0, 1–4 for "<5", n to n + 4 for n. */
    const candidatesOf = (point: number | string): number[] => (typeof point === 'string' ? range(1, five - 1) : point === 0 ? [0] : range(point, point + five - 1));
    const base = dashboardFrame(sourcesOf([[0]], [], five));
    const frameWith = (children: number[], childCount: number): DashboardFrame => ({
      ...base,
      incidents: base.incidents.map((incident) => ({ ...incident, kinds: ['report'], childCount, growth: { from: T('06:40').toISOString(), bucketSeconds: 300, events: children, people: children } })),
    });
    const leadership = (frame: DashboardFrame) => disclose(frame, DASHBOARD_FRAME, five) as DashboardFrame<number | string>;
    // A curve: its steps, and the children seen since it was read (the frame's count may be ahead).
    const world = fc.record({ steps: fc.array(fc.nat(7), { minLength: 1, maxLength: 4 }), since: fc.nat(3) });
    fc.assert(
      fc.property(world, ({ steps, since }) => {
        const children = steps.map((_, i) => steps.slice(0, i + 1).reduce((a, b) => a + b, 0));
        const count = (children.at(-1) ?? 0) + since;
        const seen = leadership(frameWith(children, count)).incidents[0];
        expect(seen?.growth.people).toEqual([]);
        const seenJson = JSON.stringify(seen);
        const countCandidates = candidatesOf(seen?.childCount ?? 0);
        // Every curve and count consistent with what is shown: both only grow.
        const differences = new Map<string, Set<number>>();
        const walk = (prefix: number[]): void => {
          const i = prefix.length;
          if (i === children.length) {
            for (const c of countCandidates) {
              if (c < (prefix.at(-1) ?? 0)) continue;
              if (JSON.stringify(leadership(frameWith(prefix, c)).incidents[0]) !== seenJson) continue;
              const points = [...prefix, c];
              for (let a = 0; a < points.length; a += 1)
                for (let b = a + 1; b < points.length; b += 1) {
                  const key = `${a}-${b}`;
                  if (!differences.has(key)) differences.set(key, new Set());
                  differences.get(key)?.add((points[b] ?? 0) - (points[a] ?? 0));
                }
            }
            return;
          }
          for (const value of candidatesOf(seen?.growth.events[i] ?? 0)) if (value >= (prefix.at(-1) ?? 0)) walk([...prefix, value]);
        };
        walk([]);
        expect(differences.size).toBeGreaterThan(0);
        for (const [pair, values] of differences) {
          const [only] = values;
          const known = values.size === 1 && only !== undefined && only > 0 && only < five;
          expect([pair, known]).toEqual([pair, false]);
        }
      }),
      { numRuns: 150 },
    );
  });
});

import { assembleBlastRadius, type BlastRadius, type IncidentRecord } from '../blast-radius/blast-radius.compute.js';
import type { BlastRadiusService } from '../blast-radius/blast-radius.service.js';
import { outcomesOf } from '../blast-radius/outcomes.js';
import type { ChildMinute } from '../blast-radius/trends.js';
import type { BlastRadiusTrends } from '../blast-radius/trends.service.js';
import type { CorralConfig } from '../config/corral-config.js';
import { DashboardReads, FEW_SECONDS_MS } from './dashboard.reads.js';

const T0 = new Date('2026-11-24T07:30:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function incident(id: string): IncidentRecord {
  const opened = new Date('2026-11-24T07:00:00.000Z');
  return {
    id,
    status: 'open',
    priority: 'P1',
    system: 'epic',
    queue: null,
    parentId: null,
    facilities: [],
    departments: [],
    childCount: 3,
    distinctRequesters: 0,
    patientImpact: false,
    openedAt: opened,
    firstSeen: opened,
    lastSeen: opened,
    facilityName: null,
    departmentName: null,
  };
}

/** The read models behind a frame, counting how often each is read. */
function readModels() {
  const state = { open: ['ehr'], growthDown: false };
  const reads = { now: 0, day: 0, childMinutes: [] as string[][], absorbed: 0, history: 0 };
  const series = { from: T0.toISOString(), bucketSeconds: 3600, byPriority: [] };
  const blast = {
    now: (): Promise<BlastRadius> => {
      reads.now += 1;
      return Promise.resolve(assembleBlastRadius({ mode: 'now', at: T0, incidents: state.open.map(incident), spread: [], parents: [], peopleAffected: 0 }));
    },
    outcomes: () => Promise.resolve(outcomesOf({ from: T0, to: T0 }, [], { byPath: [], incidents: 0 })),
  } as unknown as BlastRadiusService;
  const trends = {
    openOverTime: (ranges: string[]) => {
      if (ranges.includes('day')) reads.day += 1;
      else reads.history += 1;
      return Promise.resolve(Object.fromEntries(ranges.map((range) => [range, series])));
    },
    weeklyResponse: () => Promise.resolve({ from: T0.toISOString(), bucketSeconds: 604_800, byPriority: [] }),
    absorbed: () => {
      reads.absorbed += 1;
      return Promise.resolve([]);
    },
    childMinutes: (ids: readonly string[]): Promise<ChildMinute[]> => {
      if (state.growthDown) return Promise.reject(new Error('connection reset'));
      reads.childMinutes.push([...ids]);
      return Promise.resolve(ids.map((id) => ({ incidentId: id, minute: Math.floor(T0.getTime() / 60_000) * 60 - 60, kind: 'alert', children: 3, newPeople: 0 })));
    },
  } as unknown as BlastRadiusTrends;
  const config = { auth: { smallCountThreshold: 5 } } as CorralConfig;
  return { state, reads, dashboard: new DashboardReads(blast, trends, config) };
}

describe('DashboardReads', () => {
  it('given an outage changing the read models 4 times a second for 12 s, reads now and the last 24 h each time, growth and calls absorbed once per few seconds', async () => {
    const { reads, dashboard } = readModels();

    for (let ms = 0; ms < 12_000; ms += 250) await dashboard.sources(at(ms));

    expect(reads.now).toBe(48);
    expect(reads.day).toBe(48);
    // 12 s from a period's start: three periods of FEW_SECONDS_MS (5 s).
    expect(FEW_SECONDS_MS).toBe(5000);
    expect([reads.childMinutes.length, reads.absorbed]).toEqual([3, 3]);
    // The 7 and 30 days: once a minute.
    expect(reads.history).toBe(1);
  });

  it('given an incident opened between two reads of the growth, reads its growth at once, alone, and keeps the others\' until the period ends', async () => {
    const { state, reads, dashboard } = readModels();
    await dashboard.sources(at(0));

    state.open = ['ehr', 'printer'];
    const sources = await dashboard.sources(at(1000));

    expect(reads.childMinutes).toEqual([['ehr'], ['printer']]);
    expect(sources.growth.get('printer')?.kinds).toEqual(['alert']);
    expect(sources.growth.get('ehr')?.growth.events.at(-1)).toBe(3);

    await dashboard.sources(at(FEW_SECONDS_MS));
    expect(reads.childMinutes.at(-1)).toEqual(['ehr', 'printer']);
  });

  it('given a failed read of the growth, reads it again on the next frame rather than keeping the failure', async () => {
    const { state, reads, dashboard } = readModels();
    state.growthDown = true;
    await expect(dashboard.sources(at(0))).rejects.toThrow('connection reset');

    state.growthDown = false;
    await expect(dashboard.sources(at(250))).resolves.toMatchObject({ smallCount: 5 });
    expect(reads.childMinutes).toEqual([['ehr']]);
  });
});

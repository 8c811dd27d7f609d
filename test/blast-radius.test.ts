import { apiFetch, canonical, getJson, postJson, useCorralSuite, withClient } from './support/harness.js';

interface Facility {
  facility: string;
  departments: string[];
  childCount: number | string;
  requesters: number | string;
}
interface Incident {
  id: string;
  priority: string;
  system: string;
  queue: string | null;
  facilities: Facility[];
  childCount: number | string;
  distinctRequesters: number | string;
  patientImpact: boolean;
  ageSeconds: number;
}
interface Blast {
  mode: string;
  at: string;
  totals: { incidents: number; facilitiesAffected: number; peopleAffected: number | string; p1: number; patientImpact: number; longestOpen: { id: string } | null };
  incidents: Incident[];
  grid: Array<{ facility: string; system: string; incidents: number; requesters: number | string }>;
}

/**
 * The 7 a.m. ADT outage with known answers: the ADT feed backs up at three facilities (one alert
 * each, patient care affected, critical at Overlake), and 40 distinct clinicians call it in — 20 at
 * Overlake (ED and ICU), 17 at Bellevue (ED), 3 at Kirkland (lab). Three incidents, 3 facilities,
 * 40 people, one P1; Kirkland is small enough that leadership must see "<5".
 */
const CALLS: Array<[facility: string, department: string, count: number]> = [
  ['overlake', 'ed', 12],
  ['overlake', 'icu', 8],
  ['bellevue', 'ed', 17],
  ['kirkland', 'lab', 3],
];

describe('blast radius on scenario data', () => {
  const suite = useCorralSuite({ CORRAL_SMALL_COUNT_THRESHOLD: '5' });
  const url = (path: string) => `${suite.corral.baseUrl}${path}`;
  let before = '';
  let during = '';
  let leadershipKey = '';
  let agentKey = '';
  const byFacility = new Map<string, Incident>();

  beforeAll(async () => {
    leadershipKey = (await suite.corral.mintKey('leadership')).key;
    agentKey = (await suite.corral.mintKey('agent')).key;
    before = new Date(Date.now() - 1000).toISOString();
    const now = () => new Date().toISOString();
    const alerts = ['overlake', 'bellevue', 'kirkland'].map((facility) =>
      canonical({
        id: `adt-${facility}`,
        system: 'epic-adt',
        facility,
        symptom: 'ADT feed stalled',
        errorSignature: 'ADT_QUEUE_BACKLOG',
        severity: facility === 'overlake' ? 'critical' : 'high',
        patientImpact: true,
        occurredAt: now(),
      }),
    );
    expect((await postJson(url('/v1/events?wait=correlated'), alerts)).status).toBe(202);
    let n = 0;
    const reports = CALLS.flatMap(([facility, department, count]) =>
      Array.from({ length: count }, () => {
        n += 1;
        return canonical({
          id: `call-${n}`,
          kind: 'report',
          source: { type: 'helpdesk', system: 'servicenow' },
          system: 'epic-adt',
          facility,
          department,
          symptom: 'ADT feed stalled',
          severity: 'medium',
          patientImpact: true,
          requester: { token: `clinician-${n}` },
          occurredAt: now(),
        });
      }),
    );
    expect((await postJson(url('/v1/events?wait=correlated'), reports)).status).toBe(202);
    during = new Date(Date.now() + 5).toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));

    const blast = await getJson<Blast>(url('/v1/blast-radius'));
    for (const incident of blast.body.incidents) for (const f of incident.facilities) byFacility.set(f.facility, incident);
  });

  it('answers exactly the outage: 3 incidents, 3 facilities, 40 people, one P1, each facility with its departments', async () => {
    const { status, body } = await getJson<Blast>(url('/v1/blast-radius'));

    expect(status).toBe(200);
    expect(body.mode).toBe('now');
    expect(body.totals).toEqual(expect.objectContaining({ incidents: 3, facilitiesAffected: 3, peopleAffected: 40, p1: 1, patientImpact: 3 }));
    // P1 first: Overlake's critical, patient-affecting alert.
    expect(body.incidents[0]).toEqual(expect.objectContaining({ priority: 'P1', system: 'epic-adt', childCount: 21, distinctRequesters: 20, patientImpact: true }));
    expect(body.incidents[0]?.facilities).toEqual([{ facility: 'overlake', name: null, departments: ['ed', 'icu'], childCount: 21, requesters: 20 }]);
    expect(byFacility.get('bellevue')).toEqual(expect.objectContaining({ childCount: 18, distinctRequesters: 17 }));
    expect(byFacility.get('kirkland')).toEqual(expect.objectContaining({ childCount: 4, distinctRequesters: 3 }));
    expect(body.grid.map((c) => [c.facility, c.system, c.incidents, c.requesters])).toEqual([
      ['bellevue', 'epic-adt', 1, 17],
      ['kirkland', 'epic-adt', 1, 3],
      ['overlake', 'epic-adt', 1, 20],
    ]);
  });

  it('shows leadership Kirkland\'s 3 callers as "<5", and no requester token anywhere', async () => {
    const response = await apiFetch(url('/v1/blast-radius'), {}, { key: leadershipKey });
    const text = await response.text();
    const body = JSON.parse(text) as Blast;

    expect(response.status).toBe(200);
    const kirkland = body.incidents.find((i) => i.facilities.some((f) => f.facility === 'kirkland'));
    expect(kirkland).toEqual(expect.objectContaining({ childCount: '<5', distinctRequesters: '<5' }));
    expect(kirkland?.facilities[0]).toEqual(expect.objectContaining({ childCount: '<5', requesters: '<5' }));
    // Larger counts stay exact: suppression hides small groups, not the size of the outage.
    expect(body.totals.peopleAffected).toBe(40);
    expect(text).not.toMatch(/clinician-|requesterToken/);
  });

  it('sees a write that leaves max(updated_at) where it was (a second write in the same millisecond, or an instance whose clock is behind)', async () => {
    const bellevue = byFacility.get('bellevue');
    const before = await getJson<Blast>(url('/v1/blast-radius'));
    expect(before.body.incidents.find((i) => i.id === bellevue?.id)?.priority).not.toBe('P4');

    await withClient(suite.db.url, (c) => c.query(`UPDATE incident SET priority = 'P4', updated_at = updated_at WHERE id = $1`, [bellevue?.id]));

    const after = await getJson<Blast>(url('/v1/blast-radius'));
    expect(after.body.incidents.find((i) => i.id === bellevue?.id)?.priority).toBe('P4');
  });

  it('answers ?at= a past instant after an incident resolved as things stood then', async () => {
    const kirkland = byFacility.get('kirkland');
    expect((await postJson(url(`/v1/incidents/${kirkland?.id}/resolve`), { note: 'feed restarted' })).status).toBeLessThan(300);

    const now = await getJson<Blast>(url('/v1/blast-radius'));
    expect(now.body.totals).toEqual(expect.objectContaining({ incidents: 2, facilitiesAffected: 2, peopleAffected: 37 }));

    const then = await getJson<Blast>(url(`/v1/blast-radius?at=${encodeURIComponent(during)}`));
    expect(then.status).toBe(200);
    expect(then.body.mode).toBe('at');
    expect(then.body.totals).toEqual(expect.objectContaining({ incidents: 3, facilitiesAffected: 3, peopleAffected: 40, p1: 1 }));
    expect(then.body.incidents.find((i) => i.id === kirkland?.id)).toEqual(expect.objectContaining({ childCount: 4, distinctRequesters: 3 }));

    const earlier = await getJson<Blast>(url(`/v1/blast-radius?at=${encodeURIComponent(before)}`));
    expect(earlier.body.totals).toEqual(expect.objectContaining({ incidents: 0, facilitiesAffected: 0, peopleAffected: 0, longestOpen: null }));
  });

  it('answers a range in buckets: every alert and call counted once, the resolution in its bucket', async () => {
    const from = new Date(Date.parse(before) - 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const { status, body } = await getJson<{
      mode: string;
      bucketSeconds: number;
      totals: Record<string, number>;
      buckets: Array<{ active: number; opened: number; resolved: number; childCount: number; requesters: number }>;
    }>(url(`/v1/blast-radius?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&bucket=30s`));

    expect(status).toBe(200);
    expect(body.mode).toBe('range');
    expect(body.bucketSeconds).toBe(30);
    expect(body.buckets.length).toBe(Math.ceil((Date.parse(to) - Date.parse(from)) / 30_000));
    expect(body.totals).toEqual(expect.objectContaining({ incidents: 3, opened: 3, resolved: 1, peakActive: 3, p1: 1, facilitiesAffected: 3, peopleAffected: 40 }));
    expect(body.buckets.reduce((sum, b) => sum + b.childCount, 0)).toBe(43);
    expect(body.buckets.reduce((sum, b) => sum + b.opened, 0)).toBe(3);
    expect(body.buckets.reduce((sum, b) => sum + b.resolved, 0)).toBe(1);
    // Nothing was open in the first bucket, a minute before the outage.
    expect(body.buckets[0]).toEqual(expect.objectContaining({ active: 0, childCount: 0 }));
  });

  it("answers one incident's blast radius and growth to an agent, and refuses what is not a range", async () => {
    const overlake = byFacility.get('overlake');
    const { status, body } = await getJson<{ incident: Incident; growth: { buckets: Array<{ newFacilities: string[]; newRequesters: number; totalRequesters: number; totalChildren: number }> } }>(
      url(`/v1/incidents/${overlake?.id}/blast-radius?bucket=1m`),
      { key: agentKey },
    );

    expect(status).toBe(200);
    expect(body.incident).toEqual(expect.objectContaining({ id: overlake?.id, distinctRequesters: 20, childCount: 21 }));
    expect(body.growth.buckets.flatMap((b) => b.newFacilities)).toEqual(['overlake']);
    expect(body.growth.buckets.reduce((sum, b) => sum + b.newRequesters, 0)).toBe(20);
    expect(body.growth.buckets.at(-1)).toEqual(expect.objectContaining({ totalRequesters: 20, totalChildren: 21 }));

    expect((await getJson(url('/v1/incidents/00000000-0000-4000-8000-000000000000/blast-radius'))).status).toBe(404);
    expect((await getJson(url(`/v1/blast-radius?at=yesterday`))).status).toBe(400);
    expect((await getJson(url(`/v1/blast-radius?at=${encodeURIComponent(before)}&from=${encodeURIComponent(before)}`))).status).toBe(400);
    expect((await getJson(url(`/v1/blast-radius?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z&bucket=1m`))).status).toBe(400);
  });

  it('reports outcomes: 3 opened by monitoring, 40 calls absorbed, time to acknowledge by queue and priority', async () => {
    const overlake = byFacility.get('overlake');
    expect((await postJson(url(`/v1/incidents/${overlake?.id}/acknowledge`), {})).status).toBeLessThan(300);
    const from = encodeURIComponent(before);

    const { status, body } = await getJson<{
      incidents: number;
      origin: { automatic: number; manual: number; automaticShare: number };
      absorbed: { reports: number; events: number; top: Array<{ reportsAbsorbed: number | string }> };
      responseTimes: Array<{ priority: string; incidents: number; acknowledged: number; resolved: number }>;
      reroutes: { total: number };
    }>(url(`/v1/metrics/outcomes?from=${from}`), { key: leadershipKey });

    expect(status).toBe(200);
    expect(body.incidents).toBe(3);
    expect(body.origin).toEqual(expect.objectContaining({ automatic: 3, manual: 0, automaticShare: 1 }));
    // Every call joined an incident a monitoring alert had already opened: 40 tickets avoided.
    expect(body.absorbed).toEqual(expect.objectContaining({ reports: 40, events: 40 }));
    // Per incident, leadership sees Kirkland's 3 absorbed calls suppressed like any small people count.
    expect(body.absorbed.top.map((t) => t.reportsAbsorbed)).toEqual([20, 17, '<5']);
    const p1 = body.responseTimes.find((r) => r.priority === 'P1');
    expect(p1).toEqual(expect.objectContaining({ incidents: 1, acknowledged: 1, resolved: 0 }));
    expect(body.responseTimes.reduce((sum, r) => sum + r.resolved, 0)).toBe(1);
    expect(body.reroutes.total).toBe(0);
  });
});

import { ACCESS_MATRIX } from '../src/modules/auth/access-matrix.js';
import { apiFetch, canonical, getJson, postJson, useCorralSuite } from './support/harness.js';

/**
 * Small-count suppression over every route leadership may read. One alert and ONE person's call
 * joining it: every people count in the answers is 1 or 2. Each answer is read as admin (exact)
 * and as leadership; wherever admin sees a small number (or a fraction), leadership must not see
 * the same one, unless the field counts things that are not people (incidents, facilities,
 * seconds), listed below. A new people field shows up here until the suppression covers it.
 */
const NOT_PEOPLE = new Set([
  'incidents', 'facilitiesAffected', 'p1', 'patientImpact', 'ageSeconds', 'moreIncidents', 'active', 'p1Active', 'opened', 'resolved', 'facilities',
  'totalFacilities', 'peakActive', 'acknowledged', 'automatic', 'manual', 'automaticShare', 'machine', 'identity', 'report', 'incidentsRerouted',
  'total', 'count', 'bucketSeconds', 'retry', 'ackMedianSeconds', 'ackP90Seconds', 'resolveMedianSeconds', 'resolveP90Seconds', 'moreFacilities', 'moreSystems',
  // asOf (freshness): an inbox position, and events waiting from all sources together.
  'position', 'pending',
]);

/** Every path where leadership sees a small or fractional people-derived number exactly as admin does. */
function leaks(exact: unknown, shown: unknown, path: string[] = []): string[] {
  if (typeof exact === 'number') {
    const revealing = (exact > 0 && exact < 5) || !Number.isInteger(exact);
    const field = path.filter((p) => !/^\d+$/.test(p)).at(-1) ?? '';
    return revealing && shown === exact && !NOT_PEOPLE.has(field) ? [`${path.join('.')} = ${exact}`] : [];
  }
  if (exact === null || typeof exact !== 'object') return [];
  if (shown === null || typeof shown !== 'object') return [];
  return Object.entries(exact).flatMap(([key, value]) => leaks(value, (shown as Record<string, unknown>)[key], [...path, key]));
}

describe('small-count suppression on every leadership route', () => {
  const suite = useCorralSuite({ CORRAL_SMALL_COUNT_THRESHOLD: '5' });
  const url = (path: string) => `${suite.corral.baseUrl}${path}`;
  let leadershipKey = '';
  let incidentId = '';
  const from = new Date(Date.now() - 3_600_000).toISOString();

  beforeAll(async () => {
    leadershipKey = (await suite.corral.mintKey('leadership')).key;
    const now = () => new Date().toISOString();
    const alert = canonical({ id: 'lis-alert', system: 'lab-lis', facility: 'kirkland', symptom: 'LIS results delayed', errorSignature: 'LIS_BACKLOG', severity: 'high', occurredAt: now() });
    expect((await postJson(url('/v1/events?wait=correlated'), [alert])).status).toBe(202);
    const call = canonical({
      id: 'lis-call-1',
      kind: 'report',
      source: { type: 'helpdesk', system: 'servicenow' },
      system: 'lab-lis',
      facility: 'kirkland',
      department: 'lab',
      symptom: 'LIS results delayed',
      severity: 'medium',
      requester: { token: 'clinician-1' },
      occurredAt: now(),
    });
    expect((await postJson(url('/v1/events?wait=correlated'), [call])).status).toBe(202);
    const incidents = await getJson<{ items: Array<{ id: string; childCount: number }> }>(url('/v1/incidents'));
    expect(incidents.body.items).toEqual([expect.objectContaining({ childCount: 2 })]);
    incidentId = incidents.body.items[0]?.id ?? '';
  });

  /** What each leadership route is asked; the dashboard's stream, asked without text/event-stream, sends one frame and ends. */
  const calls = (): Record<string, string[]> => ({
    'GET /v1/incidents': ['/v1/incidents'],
    'GET /v1/blast-radius': ['/v1/blast-radius', `/v1/blast-radius?at=${new Date().toISOString()}`, `/v1/blast-radius?from=${from}`],
    'GET /v1/incidents/:id/blast-radius': [`/v1/incidents/${incidentId}/blast-radius?from=${from}`],
    'GET /v1/metrics/outcomes': [`/v1/metrics/outcomes?from=${from}`],
    'GET /dashboard/stream': ['/dashboard/stream'],
  });
  // Pages and assets: no figures in them (the page draws what the stream sends).
  const NO_DATA = new Set(['GET /dashboard', 'GET /dashboard/app.js', 'GET /dashboard/app.css', 'POST /dashboard/session', 'POST /dashboard/sign-out']);

  const read = async (path: string, key?: string): Promise<unknown> => {
    const response = await apiFetch(url(path), {}, { key });
    expect(response.status).toBe(200);
    const text = await response.text();
    // Server-sent events: the frame is the data line's JSON.
    return path.startsWith('/dashboard/stream') ? JSON.parse(/^data: (.*)$/m.exec(text)?.[1] ?? 'null') : JSON.parse(text);
  };

  it('covers every route leadership may read', () => {
    const leadershipRoutes = Object.entries(ACCESS_MATRIX).filter(([, access]) => access.roles !== 'public' && access.roles.includes('leadership')).map(([route]) => route);
    expect(leadershipRoutes.filter((route) => !NO_DATA.has(route) && !(route in calls())).sort()).toEqual([]);
  });

  it('shows leadership no small people count and no figure derived from one, on any of them', async () => {
    const found: string[] = [];
    for (const [route, paths] of Object.entries(calls())) {
      for (const path of paths) {
        const exact = await read(path);
        const shown = await read(path, leadershipKey);
        found.push(...leaks(exact, shown).map((leak) => `${route} (${path}): ${leak}`));
      }
    }
    expect(found).toEqual([]);
  });

  it('still shows admin the exact outcome figures', async () => {
    const exact = (await read(`/v1/metrics/outcomes?from=${from}`)) as { absorbed: { reports: number; perIncidentMean: number } };
    expect(exact.absorbed).toMatchObject({ reports: 1, perIncidentMean: 1 });
    const shown = (await read(`/v1/metrics/outcomes?from=${from}`, leadershipKey)) as { absorbed: { reports: unknown; perIncidentMean: unknown } };
    expect(shown.absorbed).toMatchObject({ reports: '<5', perIncidentMean: 'suppressed' });
  });
});

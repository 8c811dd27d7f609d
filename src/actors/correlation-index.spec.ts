import { childOf } from '../correlation/incident.js';
import { Simulation } from './simulation.js';
import { anEvent, aReport, testRules } from '../correlation/test-events.js';

const rules = testRules();
const start = Date.parse('2026-11-24T00:00:00.000Z');
const minute = (n: number) => new Date(start + n * 60_000);

/** An MFA failure of one account, as the Okta adapter makes it (never resolved). */
const mfaFailure = (n: number, token: string) =>
  anEvent({
    id: `okta-${n}`,
    kind: 'identity',
    source: { type: 'okta', system: 'okta' },
    system: 'okta',
    errorSignature: 'mfa.reset',
    symptom: 'MFA factors reset',
    requester: { token },
    facility: undefined,
    occurredAt: minute(n).toISOString(),
    receivedAt: minute(n).toISOString(),
  });

describe('correlation index', () => {
  it("keeps an identity incident's marks for the longest identity window only, and still routes by them", async () => {
    const simulation = new Simulation(rules);
    // One event a minute for 10 hours, each from another account: the incident never goes quiet.
    for (let n = 0; n < 600; n++) await simulation.event(mfaFailure(n, `rt_${n}`), minute(n));
    // The test rules' identity window is 2 h: the last 121 events' accounts, not all 600.
    expect(simulation.correlator.index.extent.accounts).toBe(121);

    // An account from 90 minutes ago is still recent; one from 5 hours ago is not.
    await simulation.event(aReport('r-recent', 'cannot log in to Epic', { system: 'epic', requester: { token: 'rt_509' } }), minute(600));
    await simulation.event(aReport('r-old', 'cannot log in to Epic', { system: 'epic', requester: { token: 'rt_300' } }), minute(600));
    const identity = [...simulation.incidents.values()].find((i) => i.incident.system === 'okta');
    expect(identity && childOf(identity.incident, 'servicenow|r-recent')).toBeDefined();
    expect(identity && childOf(identity.incident, 'servicenow|r-old')).toBeUndefined();
  });

  it('forgets a system once no active incident is on it', async () => {
    const simulation = new Simulation(rules);
    for (let n = 0; n < 50; n++) await simulation.event(anEvent({ id: `a${n}`, system: `system-${n}` }), minute(n));
    expect(simulation.correlator.index.extent.systems).toBe(50);
    for (let n = 0; n < 50; n++) await simulation.event(anEvent({ id: `a${n}`, system: `system-${n}`, status: 'resolved' }), minute(60 + n));
    expect(simulation.list().every((i) => i.status !== 'open')).toBe(true);
    // Systems are named by senders: the map must not keep every name ever seen.
    expect(simulation.correlator.index.extent.systems).toBe(0);
  });
});

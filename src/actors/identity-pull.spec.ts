import { childOf } from '../correlation/incident.js';
import { anEvent, aReport, at, testRules } from '../correlation/test-events.js';
import { Simulation } from './simulation.js';

// An account change that arrives after its person called: the report is pulled over to the
// identity incident, journaled on both sides with the identity rule, and an agent can undo it.

const rules = testRules();
const lockout = (id: string, token: string, minute: number) =>
  anEvent({ id, kind: 'identity', source: { type: 'okta', system: 'okta' }, system: 'okta', facility: 'overlake', errorSignature: 'user.deactivated', symptom: 'user deactivated', severity: 'low', requester: { token }, occurredAt: at(minute).toISOString() });

describe('identity context in both orders', () => {
  it('pulls a report made before the account change over to the identity incident, and journals why', async () => {
    const sim = new Simulation(rules);
    await sim.event(anEvent({ id: 'a1', system: 'epic-hyperspace', errorSignature: 'LOGIN_FAILED', symptom: 'Epic login failing' }), at(0));
    const early = await sim.event(aReport('r1', 'cannot log in to epic', { system: 'epic-hyperspace', requester: { token: 'tok-ana' }, occurredAt: at(1).toISOString() }), at(1));
    const other = await sim.event(aReport('r2', 'cannot log in to epic either', { system: 'epic-hyperspace', requester: { token: 'tok-ben' }, occurredAt: at(1).toISOString() }), at(1));
    expect(early.incidentId).toBe(other.incidentId);

    const identity = await sim.event(lockout('okta-1', 'tok-ana', 3), at(3));
    const outage = sim.incidents.get(early.incidentId as string)?.incident;
    const account = sim.incidents.get(identity.incidentId as string)?.incident;
    // Ana's report is with her account change now; Ben's stays with the outage.
    expect(account && childOf(account, 'servicenow|r1')).toBeDefined();
    expect(outage && childOf(outage, 'servicenow|r1')).toBeUndefined();
    expect(outage && childOf(outage, 'servicenow|r2')).toBeDefined();

    const split = sim.journal.find((e) => e.kind === 'incident.split' && e.incidentId === early.incidentId);
    expect(split?.rule).toEqual({ id: 'identity.recent', version: 1 });
    expect(split?.data).toMatchObject({ reason: 'identity', by: 'rule:identity.recent@1' });
    expect(sim.journal.some((e) => e.kind === 'incident.absorbed' && e.incidentId === identity.incidentId)).toBe(true);
  });

  it('merges an incident made only of that person’s reports into the identity incident whole', async () => {
    const sim = new Simulation(rules);
    const report = await sim.event(aReport('r1', 'my account does not work', { system: 'unknown', requester: { token: 'tok-cy' }, occurredAt: at(0).toISOString() }), at(0));
    const identity = await sim.event(lockout('okta-2', 'tok-cy', 2), at(2));
    expect(sim.incidents.get(report.incidentId as string)?.status).toBe('merged');
    expect(sim.journal.find((e) => e.kind === 'incident.merged' && e.incidentId === report.incidentId)?.data).toMatchObject({ into: identity.incidentId, reason: 'identity' });
  });

  it('leaves reports older than the identity rule’s window where they are', async () => {
    const sim = new Simulation(rules);
    const report = await sim.event(aReport('r1', 'cannot log in to epic', { system: 'epic-hyperspace', requester: { token: 'tok-di' }, occurredAt: at(0).toISOString() }), at(0));
    await sim.event(lockout('okta-3', 'tok-di', 3 * 60), at(3 * 60));
    expect(sim.incidents.get(report.incidentId as string)?.status).not.toBe('merged');
    expect(sim.journal.some((e) => e.kind === 'incident.split' || e.kind === 'incident.merged')).toBe(false);
  });
});

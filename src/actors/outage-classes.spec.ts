import { anEvent, at, testRules } from '../correlation/test-events.js';
import { Simulation } from './simulation.js';

// What an outage class does beyond its own signature: an alert whose words name no class is the
// outage of its system at its place (`otherwise`); an identity provider that is down parents the
// sign-in incident of its users, whichever opens first (`alsoAbsorbs`); and a parented incident
// is told on its cause's ticket instead of opening one of its own, until the cause is gone.
const rules = testRules({
  systems: [
    { id: 'sys.okta', version: 1, system: 'okta', codes: ['okta-*'], scope: 'shared', class: 'identity' },
    { id: 'sys.scanners', version: 1, system: 'bcma-scanner', codes: ['bcma-*'], scope: 'local', class: 'device' },
  ],
  problems: [
    { id: 'problem.sign-in', version: 1, class: 'sign-in', kinds: ['identity'], words: ['mfa failure'] },
    { id: 'problem.degraded', version: 1, class: 'degraded', absorbs: true, otherwise: ['alert', 'interface'], alsoAbsorbs: ['sign-in'], words: ['down', 'no heartbeat'] },
    { id: 'problem.upkeep', version: 1, class: 'upkeep', words: ['disk'] },
  ],
  signatures: [{ id: 'sig.default', version: 2, fields: ['system', 'problem', 'facility'] }],
});
const mfaFailure = (id: string, minute: number) =>
  anEvent({ id, kind: 'identity', source: { type: 'okta', system: 'okta' }, system: 'okta', errorSignature: 'mfa.failure', symptom: 'Authentication of user via MFA (failed)', severity: 'low', requester: { token: `tok-${id}` }, occurredAt: at(minute).toISOString() });
const agentDown = (id: string, minute: number) => anEvent({ id, system: 'okta-radius-agent', errorSignature: 'x-4d5a89319d6ee24d', symptom: 'No heartbeat from Okta RADIUS agent for 3m', occurredAt: at(minute).toISOString() });

describe('outage classes', () => {
  it('makes the alerts of one system at one place one incident whatever their names, and keeps upkeep apart', async () => {
    const sim = new Simulation(rules);
    const decode = await sim.event(anEvent({ id: 'b1', system: 'bcma-scanner', facility: 'lakeside', errorSignature: 'BCMAScannerDecodeFailures', symptom: 'Wristband decode failures above 30%' }), at(0));
    const profile = await sim.event(anEvent({ id: 'b2', system: 'bcma-scanner', facility: 'lakeside', errorSignature: 'ProfileNonCompliant', symptom: '14 scanners report the profile partially applied' }), at(2));
    const elsewhere = await sim.event(anEvent({ id: 'b3', system: 'bcma-scanner', facility: 'northgate', errorSignature: 'BCMAScannerDecodeFailures', symptom: 'Wristband decode failures above 30%' }), at(2));
    const disk = await sim.event(anEvent({ id: 'b4', system: 'bcma-scanner', facility: 'lakeside', errorSignature: 'DiskAlmostFull', symptom: 'disk 95% full on the scanner server' }), at(3));
    expect(profile.incidentId).toBe(decode.incidentId);
    expect(sim.incidents.get(decode.incidentId as string)?.incident.signature).toBe('bcma-scanner|~degraded|lakeside');
    expect(elsewhere.incidentId).not.toBe(decode.incidentId);
    expect(disk.incidentId).not.toBe(decode.incidentId);
  });

  it('parents the sign-in incident under its identity provider’s outage, in either order, and journals the rule', async () => {
    for (const outageFirst of [true, false]) {
      const sim = new Simulation(rules);
      const [a, b] = outageFirst ? [agentDown('r1', 0), mfaFailure('m1', 1)] : [mfaFailure('m1', 0), agentDown('r1', 1)];
      const first = await sim.event(a, at(0));
      const second = await sim.event(b, at(1));
      const [outage, signIn] = outageFirst ? [first, second] : [second, first];
      expect(signIn.incidentId).not.toBe(outage.incidentId);
      const child = sim.incidents.get(signIn.incidentId as string)?.incident;
      expect(child?.signature).toBe('okta|~sign-in|*');
      expect(child?.parent).toMatchObject({ incidentId: outage.incidentId, rule: { id: 'problem.degraded', version: 1 } });
      expect(sim.rootOf(signIn.incidentId as string)).toBe(outage.incidentId);
    }
  });

  it('withholds a parented incident’s ticket while its cause is active, and opens it when the cause resolves first', async () => {
    const sim = new Simulation(rules);
    const outage = await sim.event(agentDown('r1', 0), at(0));
    const signIn = await sim.event(mfaFailure('m1', 1), at(1));
    await sim.tick(at(5));
    const opened = () => sim.ticketsOpened();
    expect(opened().get(outage.incidentId as string)).toBe(1);
    expect(opened().get(signIn.incidentId as string)).toBeUndefined();
    expect(sim.journal.find((e) => e.kind === 'ticket.withheld' && e.incidentId === signIn.incidentId)?.data).toMatchObject({ reason: 'parent', parent: outage.incidentId });

    // The agents come back; the users' MFA failures go on: now they are a problem of their own.
    await sim.event({ ...agentDown('r1', 6), status: 'resolved' }, at(6));
    await sim.event(mfaFailure('m2', 7), at(7));
    expect(sim.incidents.get(outage.incidentId as string)?.status).toBe('resolved');
    expect(sim.incidents.get(signIn.incidentId as string)?.incident.parent).toBeNull();
    expect(opened().get(signIn.incidentId as string)).toBe(1);
  });
});

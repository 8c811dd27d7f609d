import { aReport, anEvent, at, testRules } from '../correlation/test-events.js';
import { Simulation } from './simulation.js';

// What an outage class does beyond its own signature: an alert whose words name no class is the
// outage of its system at its place (`otherwise`); an identity provider that is down parents the
// sign-in incident of its users, whichever opens first (`alsoAbsorbs`); a parent is routed by its
// children's reach; an identity incident of a class captures reports whatever action opened it;
// and a parented incident is told on its cause's ticket instead of opening one of its own, until the cause is gone.
const rules = testRules({
  systems: [
    { id: 'sys.okta', version: 1, system: 'okta', codes: ['okta-*'], scope: 'shared', class: 'identity' },
    { id: 'sys.scanners', version: 1, system: 'bcma-scanner', codes: ['bcma-*'], scope: 'local', class: 'device' },
    { id: 'sys.printers', version: 1, system: 'printer*', codes: ['*printer*'], scope: 'local', class: 'printer' },
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

  it('makes one device named by two monitors under two codes of its family one incident, and keeps other devices and other problems apart', async () => {
    const sim = new Simulation(rules);
    const printer = (id: string, system: string, device: string, symptom: string, minute: number, facility = 'riverside') =>
      sim.event(anEvent({ id, system, facility, errorSignature: `x-${id}`, symptom, labels: { device }, occurredAt: at(minute).toISOString() }), at(minute));
    const snmp = await printer('p1', 'printer', 'RVS-ED-HC100-02', 'printer down: media error', 0);
    const bridge = await printer('p2', 'printer-hc100', 'rvs-ed-hc100-02', 'printing blank, printer down', 2);
    const otherDevice = await printer('p3', 'printer-zt410', 'rvs-lab-zt410-01', 'printer down: head open', 3);
    const otherSite = await printer('p4', 'printer-hc100', 'lks-ed-hc100-02', 'printer down: media error', 3, 'lakeside');
    const upkeep = await printer('p5', 'printer-hc100', 'rvs-ed-hc100-02', 'disk of the print server nearly full', 4);
    expect(sim.rootOf(bridge.incidentId as string)).toBe(snmp.incidentId);
    expect(sim.journal.find((e) => e.kind === 'incident.merged' && e.incidentId === bridge.incidentId)?.data).toMatchObject({ by: 'rule:sys.printers@1' });
    for (const apart of [otherDevice, otherSite, upkeep]) expect(sim.rootOf(apart.incidentId as string)).not.toBe(snmp.incidentId);
  });

  it('parents the sign-in incident under its identity provider’s outage, in either order, and journals the rule', async () => {
    for (const outageFirst of [true, false]) {
      const sim = new Simulation(rules);
      // Two people's MFA failing at once: a crowd's trouble, which the provider's outage explains.
      const signInFirst = async (minute: number) => {
        const first = await sim.event(mfaFailure('m1', minute), at(minute));
        await sim.event(mfaFailure('m1b', minute), at(minute));
        return first;
      };
      const first = outageFirst ? await sim.event(agentDown('r1', 0), at(0)) : await signInFirst(0);
      const second = outageFirst ? await signInFirst(1) : await sim.event(agentDown('r1', 1), at(1));
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
    await sim.event(mfaFailure('m1b', 1), at(1));
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

  it('lets a symptom’s open ticket stand for a cause found after it, and opens the cause’s when that ticket closes first', async () => {
    const sim = new Simulation(rules);
    const signIn = await sim.event(mfaFailure('m1', 0), at(0));
    await sim.event(mfaFailure('m1b', 0), at(0));
    await sim.tick(at(2));
    const opened = () => sim.ticketsOpened();
    expect(opened().get(signIn.incidentId as string)).toBe(1);
    // The identity provider's own monitor alarms minutes later: the cause, and the sign-ins its child.
    const outage = await sim.event(agentDown('r1', 3), at(3));
    await sim.tick(at(5));
    expect(sim.incidents.get(signIn.incidentId as string)?.incident.parent?.incidentId).toBe(outage.incidentId);
    expect(opened().get(outage.incidentId as string)).toBeUndefined();
    expect(sim.journal.find((e) => e.kind === 'ticket.withheld' && e.incidentId === outage.incidentId)?.data).toMatchObject({ reason: 'child', child: signIn.incidentId });
    // The helpdesk's ticket was told of its cause.
    expect(sim.journal.find((e) => e.kind === 'ticket.updated' && e.incidentId === signIn.incidentId)?.data).toMatchObject({ parent: outage.incidentId });

    // The sign-in ticket is closed while the agents are still down: now the outage needs its own.
    await sim.command(signIn.incidentId as string, { verb: 'resolve', by: 'agent:test' }, at(6));
    expect(opened().get(outage.incidentId as string)).toBe(1);
  });

  it('makes what a site’s own systems say of losing their connection the child of that site’s network outage, in either order, and nothing else', async () => {
    const siteRules = testRules({
      systems: [
        { id: 'sys.network', version: 1, system: 'network', codes: ['snmp-network'], scope: 'local', class: 'network' },
        { id: 'sys.omnicell', version: 1, system: 'omnicell', scope: 'local', class: 'medication-cabinet' },
        { id: 'sys.epic', version: 1, system: 'epic-hyperspace', scope: 'shared', class: 'ehr' },
      ],
      dependencies: [{ id: 'dep.site-network', version: 1, upstream: 'network', downstream: ['*'], words: ['not communicating', 'connection lost'] }],
    });
    const linkDown = (facility: string, minute: number) => anEvent({ id: `net-${facility}`, system: 'snmp-network', facility, errorSignature: 'LinkDown', symptom: 'uplink Te1/1/1 down', occurredAt: at(minute).toISOString() });
    const cabinets = (facility: string, minute: number) => anEvent({ id: `cab-${facility}`, system: 'omnicell', facility, errorSignature: 'CabinetsOffline', symptom: '12 cabinets not communicating with the server', occurredAt: at(minute).toISOString() });
    for (const networkFirst of [true, false]) {
      const sim = new Simulation(siteRules);
      const [a, b] = networkFirst ? [linkDown('valleyview', 0), cabinets('valleyview', 1)] : [cabinets('valleyview', 0), linkDown('valleyview', 1)];
      const first = await sim.event(a, at(0));
      const second = await sim.event(b, at(1));
      const [network, cabinet] = networkFirst ? [first, second] : [second, first];
      expect(sim.incidents.get(cabinet.incidentId as string)?.incident.parent).toMatchObject({ incidentId: network.incidentId, rule: { id: 'dep.site-network' } });
    }
    const sim = new Simulation(siteRules);
    const network = await sim.event(linkDown('valleyview', 0), at(0));
    // Another site's cabinets, the shared EHR at this site, and this site's cabinets saying something else: none is its child.
    const elsewhere = await sim.event(cabinets('pinecrest', 1), at(1));
    const ehr = await sim.event(anEvent({ id: 'ehr', system: 'epic-hyperspace', facility: 'valleyview', errorSignature: 'Timeouts', symptom: 'connection lost to Epic from 4 sessions', occurredAt: at(1).toISOString() }), at(1));
    const drawer = await sim.event(anEvent({ id: 'drawer', system: 'omnicell', facility: 'valleyview', errorSignature: 'DrawerFault', symptom: 'drawer 3 failed to open', occurredAt: at(1).toISOString() }), at(1));
    for (const other of [elsewhere, ehr, drawer]) expect(sim.incidents.get(other.incidentId as string)?.incident.parent ?? null).toBeNull();
    expect(network.incidentId).toBeDefined();
  });

  it('merges what a ward reported first into the outage its local system’s monitor then raises there, and nothing at another site', async () => {
    const local = testRules({
      systems: [{ id: 'sys.vocera', version: 1, system: 'vocera', names: ['Vocera'], scope: 'local', class: 'device' }],
      problems: [{ id: 'problem.degraded', version: 1, class: 'degraded', absorbs: true, otherwise: ['alert'], words: ['down'] }],
    });
    const sim = new Simulation(local);
    const call = (id: string, facility: string) => aReport(id, 'Vocera badges keep rebooting, nurses miss calls', { system: 'unknown', facility, occurredAt: at(0).toISOString() });
    const here = await sim.event(call('r1', 'harborview'), at(0));
    const there = await sim.event(call('r2', 'millbrook'), at(0));
    const alarm = await sim.event(anEvent({ id: 'v1', system: 'vocera', facility: 'harborview', errorSignature: 'BadgeReboots', symptom: '31 badges rebooted in 10 minutes', occurredAt: at(2).toISOString() }), at(2));
    expect(sim.rootOf(here.incidentId as string)).toBe(alarm.incidentId);
    expect(sim.rootOf(there.incidentId as string)).toBe(there.incidentId);
  });

  it('routes and ranks a cause by where the incidents it explains hurt', async () => {
    const sim = new Simulation(rules);
    // The ADT feed is central: its own alert names no facility, its downstream feeds do.
    const feed = await sim.event(anEvent({ id: 'adt-1', system: 'epic-adt', facility: undefined, errorSignature: 'ADT_QUEUE', symptom: 'ADT outbound queue growing' }), at(0));
    const before = sim.incidents.get(feed.incidentId as string)?.incident;
    expect(before).toMatchObject({ queue: 'application-support', priority: 'P3' });
    await sim.event(anEvent({ id: 'lab-1', system: 'lab-interface', facility: 'lakeside', errorSignature: 'NO_ADT', symptom: 'no new patients on the lab worklist', patientImpact: true }), at(1));
    await sim.event(anEvent({ id: 'lab-2', system: 'lab-interface', facility: 'northgate', errorSignature: 'NO_ADT', symptom: 'no new patients on the lab worklist', patientImpact: true }), at(2));
    const cause = sim.incidents.get(feed.incidentId as string)?.incident;
    expect(cause).toMatchObject({ queue: 'major-incident', priority: 'P1', facilities: [] });
    expect(Object.keys(cause?.explains ?? {})).toHaveLength(2);
    expect(sim.journal.filter((e) => e.kind === 'incident.routed' && e.incidentId === feed.incidentId).at(-1)).toMatchObject({ rule: { id: 'route.major', version: 1 }, data: { queue: 'major-incident', was: 'application-support' } });
  });

  it('lets an account-change incident capture its person’s reports whichever action opened it', async () => {
    const withClasses = testRules({
      problems: [{ id: 'problem.account-change', version: 1, class: 'account-change', kinds: ['identity'], words: ['user deactivated', 'user updated'] }],
      signatures: [{ id: 'sig.default', version: 2, fields: ['system', 'problem', 'facility'] }],
      identity: [{ id: 'identity.recent', version: 3, actions: ['user.deactivated'], classes: ['account-change'], within: '2h' }],
    });
    const sim = new Simulation(withClasses);
    const change = (id: string, action: string) => anEvent({ id, kind: 'identity', source: { type: 'scim', system: 'iga' }, system: 'iga', errorSignature: action, symptom: action, severity: 'low', requester: { token: 'tok-traveller' } });
    const patched = await sim.event(change('s1', 'user.updated'), at(0));
    await sim.event(change('s2', 'user.deactivated'), at(0));
    const report = await sim.event({ ...anEvent({ id: 'r1', kind: 'report', source: { type: 'helpdesk', system: 'servicenow' }, system: 'unknown', symptom: 'my login stopped working, account disabled', requester: { token: 'tok-traveller' } }), errorSignature: undefined }, at(5));
    expect(report.incidentId).toBe(patched.incidentId);
  });

  it('holds a downstream symptom’s ticket for its dependency’s wait, so a cause that speaks a minute later takes it', async () => {
    const symptomFirst = async (wait?: string) => {
      const withWait = testRules({ dependencies: [{ id: 'dep.adt', version: 2, upstream: 'epic-adt', downstream: ['lab-interface'], ...(wait ? { wait } : {}) }] });
      const sim = new Simulation(withWait);
      const lab = await sim.event(anEvent({ id: 'lab-1', system: 'lab-interface', facility: undefined, errorSignature: 'NO_ADT', symptom: 'no new patients on the lab worklist' }), at(0));
      await sim.tick(at(1));
      const feed = await sim.event(anEvent({ id: 'adt-1', system: 'epic-adt', facility: undefined, errorSignature: 'ADT_QUEUE', symptom: 'ADT outbound queue growing' }), at(1.5));
      await sim.tick(at(6));
      return { tickets: sim.ticketsOpened(), lab: lab.incidentId as string, feed: feed.incidentId as string };
    };
    const held = await symptomFirst('3m');
    expect([held.tickets.get(held.lab), held.tickets.get(held.feed)]).toEqual([undefined, 1]);
    // Without a wait the symptom's ticket opened after its 30 s groupWait, before its cause spoke.
    const unheld = await symptomFirst();
    expect([unheld.tickets.get(unheld.lab), unheld.tickets.get(unheld.feed)]).toEqual([1, 1]);
  });
});

import { aReport, anEvent, at, testRules } from '../correlation/test-events.js';
import { Simulation } from './simulation.js';

// Where a report goes when the system it names is not where the problem is: the engine upstream
// of the feed it names (dependencies), the incident of the kind of problem it speaks of whichever
// system sent that incident's messages (a patient's record), and the account change at its
// facility when it names no system but says an account was taken away.
const rules = testRules({
  systems: [
    { id: 'sys.rhapsody', version: 1, system: 'rhapsody', scope: 'shared', class: 'interface-engine', names: ['Rhapsody'] },
    { id: 'sys.lab-interface', version: 1, system: 'lab-interface', names: ['lab results', 'not resulting', 'troponins'] },
    { id: 'sys.printers', version: 1, system: 'printer*', scope: 'local', class: 'printer', names: ['printer', 'printing blank'] },
    { id: 'sys.scanners', version: 1, system: 'bcma-scanner', scope: 'local', class: 'device', names: ['wristbands', 'scanner'] },
    { id: 'sys.epic', version: 1, system: 'epic-hyperspace', scope: 'shared', class: 'ehr', names: ['Epic'] },
    { id: 'sys.network', version: 1, system: 'network', scope: 'local', class: 'network', names: ['network'] },
  ],
  problems: [
    { id: 'problem.account-change', version: 1, class: 'account-change', words: ['user deactivated', 'account disabled'] },
    { id: 'problem.degraded', version: 1, class: 'degraded', absorbs: true, otherwise: ['alert'], words: ['down', 'lookup failed', 'frozen'] },
    { id: 'problem.patient-record', version: 1, class: 'patient-record', acrossSystems: true, unreported: true, words: ['hl70357 204', 'patient not found'] },
  ],
  signatures: [
    { id: 'sig.identity', version: 1, match: { kinds: ['identity'] }, fields: ['system', 'problem', 'facility'] },
    { id: 'sig.default', version: 2, fields: ['system', 'problem', 'facility'] },
  ],
  dependencies: [
    { id: 'dep.rhapsody-lab', version: 1, upstream: 'rhapsody', downstream: ['lab-interface'] },
    { id: 'dep.site-network', version: 1, upstream: 'network', downstream: ['*'], words: ['no network', 'unreachable', 'offline'] },
  ],
});
const engineDown = (id: string, minute: number) => anEvent({ id, kind: 'interface', source: { type: 'hl7', system: 'rhapsody' }, system: 'rhapsody', facility: 'lakeside', errorSignature: 'AE HL70357:207', symptom: 'Route LAB_ORU_IN: lookup failed', occurredAt: at(minute).toISOString() });
const unknownPatient = (id: string, minute: number) => anEvent({ id, kind: 'interface', source: { type: 'hl7', system: 'epic' }, system: 'epic-hyperspace', facility: 'lakeside', errorSignature: 'AE HL70357:204', symptom: 'Patient not found for the identifier in PID-3', occurredAt: at(minute).toISOString() });

describe('report routing beyond the system named', () => {
  it('puts a report about a feed with nothing of its own under the engine that carries it, when the engine is down', async () => {
    const sim = new Simulation(rules);
    const engine = await sim.event(engineDown('n1', 0), at(0));
    // No facility and no system: only its words say it is about lab results.
    const report = await sim.event(aReport('r1', 'ED here: troponins resulted in the lab but are not showing in the chart', { system: 'unknown', facility: undefined, occurredAt: at(2).toISOString() }), at(2));
    expect(report.incidentId).toBe(engine.incidentId);
    // The engine is shared: its outage, opened by one site's NACKs, is every site's.
    const elsewhere = await sim.event(aReport('r2', 'no lab results since noon, troponins pending', { system: 'unknown', facility: 'riverbend', occurredAt: at(3).toISOString() }), at(3));
    expect(elsewhere.incidentId).toBe(engine.incidentId);
    // The same words with the engine healthy start an incident of their own.
    const quiet = new Simulation(rules);
    const alone = await quiet.event(aReport('r1', 'ED here: troponins resulted in the lab but are not showing in the chart', { system: 'unknown', facility: undefined }), at(2));
    expect(quiet.incidents.get(alone.incidentId as string)?.incident.system).toBe('lab-interface');
  });

  it('puts a report of a patient’s record with that incident, not with the outage of the engine it names', async () => {
    const sim = new Simulation(rules);
    const engine = await sim.event(engineDown('n1', 0), at(0));
    const record = await sim.event(unknownPatient('n2', 1), at(1));
    expect(record.incidentId).not.toBe(engine.incidentId);
    const report = await sim.event(aReport('r1', 'Reference lab results keep bouncing from Rhapsody: patient not found', { system: 'unknown', facility: 'lakeside', occurredAt: at(3).toISOString() }), at(3));
    expect(report.incidentId).toBe(record.incidentId);
    // A report of the outage itself still goes to the outage.
    const outage = await sim.event(aReport('r2', 'Rhapsody is down, no lab results since noon', { system: 'unknown', facility: 'lakeside', occurredAt: at(4).toISOString() }), at(4));
    expect(outage.incidentId).toBe(engine.incidentId);
  });

  it('places a report that gave no facility by its requester’s e-mail domain, when that names one site of those with an incident', async () => {
    const sim = new Simulation(rules);
    const printers = (facility: string) => anEvent({ id: `p-${facility}`, system: 'zebra-exporter', facility, errorSignature: 'PrinterNotReady', symptom: 'label printer not ready' });
    const lakeside = await sim.event(printers('lakeside'), at(0));
    const riverbend = await sim.event(printers('riverbend'), at(0));
    const report = (id: string, requesterDomain?: string) => aReport(id, 'the zebra printer in the lab just blinks', { system: 'zebra-exporter', facility: undefined, ...(requesterDomain ? { labels: { requesterDomain } } : {}), occurredAt: at(2).toISOString() });
    expect((await sim.event(report('r1', 'riverbend.example'), at(2))).incidentId).toBe(riverbend.incidentId);
    expect((await sim.event(report('r2', 'lakeside-health.example.org'), at(2))).incidentId).toBe(lakeside.incidentId);
    // A domain that names no site, or none at all, leaves the report to its words alone: the first to open wins a tie.
    expect((await sim.event(report('r3', 'cascadehealth.example'), at(2))).incidentId).toBe(lakeside.incidentId);
  });

  it('puts a person’s call-back with what they called about, when its words agree, and nobody else’s', async () => {
    const sim = new Simulation(rules);
    const call = (id: string, token: string, text: string, minute: number) => aReport(id, text, { system: 'unknown', facility: 'riverside', requester: { token }, occurredAt: at(minute).toISOString() });
    const first = await sim.event(call('r1', 'tok-reg', 'Wristband printer in the ED is printing blank wristbands', 0), at(0));
    // Names the scanners' wristbands, not the printer: the person's own earlier call says which.
    const again = await sim.event(call('r2', 'tok-reg', 'ED wristbands still blank', 20), at(20));
    expect(again.incidentId).toBe(first.incidentId);
    // The same words from someone else, and another problem from the same person, go their own way.
    const other = await sim.event(call('r3', 'tok-other', 'ED wristbands still blank', 21), at(21));
    expect(other.incidentId).not.toBe(first.incidentId);
    const unrelated = await sim.event(call('r4', 'tok-reg', 'Epic is very slow at registration', 22), at(22));
    expect(unrelated.incidentId).not.toBe(first.incidentId);
  });

  it('puts a vague "everything is frozen" that names no system with a shared system’s outage, and nothing that names another', async () => {
    const sim = new Simulation(rules);
    const ehr = await sim.event(anEvent({ id: 'e1', system: 'epic-hyperspace', facility: 'lakeside', errorSignature: 'ProbeFailed', symptom: 'Epic probe down' }), at(0));
    const vague = await sim.event(aReport('r1', 'whole unit cannot chart, everything is frozen, is the system down?', { system: 'unknown', facility: undefined, occurredAt: at(2).toISOString() }), at(2));
    expect(vague.incidentId).toBe(ehr.incidentId);
    const printer = await sim.event(aReport('r2', 'the printer is down again', { system: 'unknown', facility: 'lakeside', occurredAt: at(3).toISOString() }), at(3));
    expect(printer.incidentId).not.toBe(ehr.incidentId);
    // Words with no problem class in them stay apart.
    const keyboard = await sim.event(aReport('r3', 'keyboard at the front desk has broken keys', { system: 'unknown', facility: 'lakeside', occurredAt: at(4).toISOString() }), at(4));
    expect(keyboard.incidentId).not.toBe(ehr.incidentId);
  });

  it('puts a ward’s "Epic says no network" and its "everything is down" with its own site’s network outage, and the same words elsewhere with Epic', async () => {
    const sim = new Simulation(rules);
    // Epic is down too, and opened first: still, the ward's own network is what it feels.
    const ehr = await sim.event(anEvent({ id: 'e1', system: 'epic-hyperspace', facility: 'lakeside', errorSignature: 'ProbeFailed', symptom: 'Epic probe down' }), at(0));
    const site = await sim.event(anEvent({ id: 'n1', system: 'network', facility: 'pinecrest', errorSignature: 'SwitchDown', symptom: 'core switch down' }), at(1));
    const fromSite = await sim.event(aReport('r1', "can't get into Epic, the computer says no network", { system: 'unknown', facility: 'pinecrest', occurredAt: at(2).toISOString() }), at(2));
    expect(fromSite.incidentId).toBe(site.incidentId);
    const vague = await sim.event(aReport('r2', 'everything is down here, no computers, no phones', { system: 'unknown', facility: 'pinecrest', occurredAt: at(3).toISOString() }), at(3));
    expect(vague.incidentId).toBe(site.incidentId);
    // From a site whose network is fine, Epic is Epic.
    const elsewhere = await sim.event(aReport('r3', "can't get into Epic, the computer says no network", { system: 'unknown', facility: 'lakeside', occurredAt: at(4).toISOString() }), at(4));
    expect(elsewhere.incidentId).toBe(ehr.incidentId);
  });

  it('puts a report that says an account was disabled with the account change at its facility, and not elsewhere', async () => {
    const deactivation = (facility: string) => anEvent({ id: `d-${facility}`, kind: 'identity', source: { type: 'scim', system: 'iga' }, system: 'iga', facility, errorSignature: 'user.deactivated', symptom: 'SCIM: user deactivated', requester: { token: 'tok-traveler' } });
    const sim = new Simulation(rules);
    const change = await sim.event(deactivation('northgate'), at(0));
    // A manager reports for their traveler: another person, so no identity rule's mark matches.
    const report = await sim.event(aReport('r1', 'my traveler can’t log in to anything, account disabled, can someone fix it today', { system: 'unknown', facility: 'northgate', requester: { token: 'tok-manager' }, occurredAt: at(2).toISOString() }), at(2));
    expect(report.incidentId).toBe(change.incidentId);
    const elsewhere = await sim.event(aReport('r2', 'account disabled after my name change', { system: 'unknown', facility: 'lakeside', requester: { token: 'tok-other' }, occurredAt: at(3).toISOString() }), at(3));
    expect(elsewhere.incidentId).not.toBe(change.incidentId);
  });
});

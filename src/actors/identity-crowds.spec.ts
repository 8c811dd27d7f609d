import { aReport, anEvent, at, testRules } from '../correlation/test-events.js';
import { Simulation } from './simulation.js';

// One person's account trouble and a crowd's: a nurse's lockout, another's new phone and a third's
// suspicious push on one tenant are three problems for three people; MFA failing for a whole shift
// is one. Signatures carry the person (`sig.identity` with `person`); a spread rule across people
// joins the same trouble of others while it is fresh; only a crowd is its provider's outage's child.

const rules = testRules({
  systems: [
    { id: 'sys.okta', version: 1, system: 'okta', names: ['Okta'], scope: 'shared', class: 'identity' },
    { id: 'sys.duo', version: 1, system: 'duo', codes: ['duo-*'], scope: 'shared', class: 'identity' },
  ],
  problems: [
    { id: 'problem.sign-in', version: 1, class: 'sign-in', kinds: ['identity'], acrossSystems: true, words: ['mfa failure', 'mfa reset', 'user locked', 'password reset', 'push not delivered', 'strong authentication'] },
    { id: 'problem.account-change', version: 1, class: 'account-change', acrossSystems: true, words: ['user deactivated', 'user reactivated', 'user role changed', 'account disabled'] },
    { id: 'problem.degraded', version: 1, class: 'degraded', absorbs: true, otherwise: ['alert'], alsoAbsorbs: ['sign-in'], words: ['down', 'no heartbeat'] },
    { id: 'problem.security', version: 1, class: 'security', words: ['email asking for my password', 'phishing'] },
  ],
  signatures: [
    { id: 'sig.identity', version: 3, match: { kinds: ['identity'] }, fields: ['system', 'problem', 'person'] },
    { id: 'sig.default', version: 2, fields: ['system', 'problem', 'facility'] },
  ],
  spread: [
    { id: 'spread.sign-in-crowd', version: 1, match: { kinds: ['identity'] }, classes: ['sign-in'], across: 'person', sameAction: true, within: '10m' },
    { id: 'spread.account-change-run', version: 1, match: { kinds: ['identity'] }, classes: ['account-change'], across: 'person', within: '10m' },
  ],
  reports: [{ id: 'report.same-system', version: 3, sameFacility: true, attachAt: 0.6, suggestAt: 0.25, signInWords: ["can't sign in", 'sign in failed', 'locked out'] }],
  identity: [{ id: 'identity.recent', version: 3, actions: ['user.locked', 'password.reset', 'mfa.reset', 'mfa.failure', 'user.deactivated'], classes: ['sign-in', 'account-change'], within: '2h' }],
});

const okta = (id: string, person: string, action: string, minute: number) =>
  anEvent({ id, kind: 'identity', source: { type: 'okta', system: 'okta' }, system: 'okta', errorSignature: action, symptom: action.replace('.', ' '), severity: 'low', requester: { token: `tok-${person}` }, occurredAt: at(minute).toISOString() });
const scim = (id: string, person: string, action: string, minute: number) =>
  anEvent({ id, kind: 'identity', source: { type: 'scim', system: 'iga' }, system: 'iga', errorSignature: action, symptom: `SCIM: ${action.replace('.', ' ')}`, severity: 'low', requester: { token: `tok-${person}` }, occurredAt: at(minute).toISOString() });

describe('one person’s account trouble, and a crowd’s', () => {
  it('keeps three people’s different trouble on one tenant apart, each with what followed it', async () => {
    const sim = new Simulation(rules);
    const lockout = await sim.event(okta('o1', 'ana', 'user.locked', 0), at(0));
    const push = await sim.event(okta('o2', 'ben', 'mfa.failure', 0), at(0));
    const newPhone = await sim.event(okta('o3', 'cy', 'mfa.reset', 1), at(1));
    expect(new Set([lockout.incidentId, push.incidentId, newPhone.incidentId]).size).toBe(3);
    // Ana's reset goes where her lockout went, not to Ben's or Cy's.
    const reset = await sim.event(okta('o4', 'ana', 'password.reset', 4), at(4));
    expect(reset.incidentId).toBe(lockout.incidentId);
    await sim.tick(at(8));
    for (const one of [lockout, push, newPhone]) expect(sim.ticketsOpened().get(one.incidentId as string)).toBe(1);
  });

  it('makes many people’s same trouble at once one incident, journaled with the spread rule, and lets the crowd take their resets', async () => {
    const sim = new Simulation(rules);
    const first = await sim.event(okta('m1', 'ana', 'mfa.failure', 0), at(0));
    const second = await sim.event(okta('m2', 'ben', 'mfa.failure', 0), at(0));
    const third = await sim.event(okta('m3', 'cy', 'mfa.failure', 6), at(6));
    expect(second.incidentId).toBe(first.incidentId);
    expect(third.incidentId).toBe(first.incidentId);
    expect(sim.journal.find((e) => e.kind === 'child.attached' && e.childKey?.endsWith('|m2'))?.rule).toEqual({ id: 'spread.sign-in-crowd', version: 1 });
    // Dee's factors reset while MFA fails for everyone: part of it. Eve's lockout is her own.
    const reset = await sim.event(okta('m4', 'dee', 'mfa.reset', 9), at(9));
    const lockout = await sim.event(okta('m5', 'eve', 'user.locked', 9), at(9));
    expect(reset.incidentId).toBe(first.incidentId);
    expect(lockout.incidentId).not.toBe(first.incidentId);
    await sim.tick(at(12));
    expect(sim.ticketsOpened().get(first.incidentId as string)).toBe(1);
  });

  it('forms no crowd of the same trouble far apart in time', async () => {
    const sim = new Simulation(rules);
    const morning = await sim.event(okta('l1', 'ana', 'user.locked', 0), at(0));
    const later = await sim.event(okta('l2', 'ben', 'user.locked', 25), at(25));
    expect(later.incidentId).not.toBe(morning.incidentId);
  });

  it('puts a crowd under its provider’s outage in either order, and leaves one person’s lockout be', async () => {
    for (const outageFirst of [true, false]) {
      const sim = new Simulation(rules);
      const agentDown = (minute: number) => anEvent({ id: 'agent', system: 'okta', errorSignature: 'AgentDown', symptom: 'Okta RADIUS agent down', occurredAt: at(minute).toISOString() });
      const outage = outageFirst ? await sim.event(agentDown(0), at(0)) : undefined;
      const crowd = await sim.event(okta('c1', 'ana', 'mfa.failure', 1), at(1));
      await sim.event(okta('c2', 'ben', 'mfa.failure', 1), at(1));
      const lone = await sim.event(okta('c3', 'cy', 'user.locked', 2), at(2));
      const cause = outage ?? (await sim.event(agentDown(3), at(3)));
      expect(sim.incidents.get(crowd.incidentId as string)?.incident.parent?.incidentId).toBe(cause.incidentId);
      expect(sim.incidents.get(lone.incidentId as string)?.incident.parent ?? null).toBeNull();
    }
  });

  it('gives another person’s report to a crowd, never to one person’s trouble', async () => {
    const sim = new Simulation(rules);
    const push = await sim.event(okta('p1', 'ana', 'mfa.failure', 0), at(0));
    const newPhone = await sim.event(aReport('r1', 'new phone, Okta Verify does not have my account any more', { system: 'unknown', requester: { token: 'tok-ben' }, occurredAt: at(2).toISOString() }), at(2));
    expect(newPhone.incidentId).not.toBe(push.incidentId);
    await sim.event(okta('p2', 'cy', 'mfa.failure', 3), at(3));
    const colleague = await sim.event(aReport('r2', 'Okta mfa failure again, the push never comes', { system: 'okta', requester: { token: 'tok-dee' }, occurredAt: at(4).toISOString() }), at(4));
    expect(colleague.incidentId).toBe(push.incidentId);
  });

  it('makes one provisioning run’s changes to several accounts one incident, and a change hours later its own', async () => {
    const sim = new Simulation(rules);
    const deactivated = await sim.event(scim('s1', 'ana', 'user.deactivated', 0), at(0));
    // The group patch names its member by another id: another "person", the same run.
    const groupPatch = await sim.event(scim('s2', 'ana-uuid', 'user.role-changed', 0), at(0));
    const leaver = await sim.event(scim('s3', 'ben', 'user.deactivated', 1), at(1));
    expect(groupPatch.incidentId).toBe(deactivated.incidentId);
    expect(leaver.incidentId).toBe(deactivated.incidentId);
    const afternoon = await sim.event(scim('s4', 'cy', 'user.deactivated', 300), at(300));
    expect(afternoon.incidentId).not.toBe(deactivated.incidentId);
  });

  it('gives a report that cannot sign in and finds nothing of its own to the trouble many people share, never to one person’s', async () => {
    const sim = new Simulation(rules);
    const vague = (id: string, text: string, minute: number, extra: Record<string, unknown> = {}) =>
      sim.event(aReport(id, text, { system: 'unknown', facility: 'northgate', requester: { token: `tok-${id}` }, occurredAt: at(minute).toISOString(), ...extra }), at(minute));
    // One person's lockout: another's "can't sign in" is not about it.
    const lockout = await sim.event(okta('v1', 'ana', 'user.locked', 0), at(0));
    const alone = await vague('r1', "whole unit can't sign in this morning", 1);
    expect(alone.incidentId).not.toBe(lockout.incidentId);
    // The identity provider is down: such reports are its, even naming an application with no incident.
    const outage = await sim.event(anEvent({ id: 'idp', system: 'okta', errorSignature: 'AgentDown', symptom: 'Okta AD agent down', occurredAt: at(2).toISOString() }), at(2));
    const workday = await vague('r2', 'Workday says sign in failed for all of us in the business office', 3, { system: 'workday' });
    expect(workday.incidentId).toBe(outage.incidentId);
    // A printer report is not sign-in trouble, whatever else is down.
    const printer = await vague('r3', 'the label printer is jammed', 3);
    expect(printer.incidentId).not.toBe(outage.incidentId);
  });

  it('gives such a report to a crowd still failing, and not to one that stopped half an hour ago', async () => {
    const sim = new Simulation(rules);
    const crowd = await sim.event(okta('w1', 'ana', 'mfa.failure', 0), at(0));
    await sim.event(okta('w2', 'ben', 'mfa.failure', 0), at(0));
    const now = await sim.event(aReport('r1', "can't sign in, the push never comes", { system: 'unknown', requester: { token: 'tok-cy' }, occurredAt: at(5).toISOString() }), at(5));
    expect(now.incidentId).toBe(crowd.incidentId);
    const later = await sim.event(aReport('r2', "still can't sign in at the clinic", { system: 'unknown', requester: { token: 'tok-dee' }, occurredAt: at(50).toISOString() }), at(50));
    expect(later.incidentId).not.toBe(crowd.incidentId);
  });

  it('makes one account change seen by each system it passes through one incident, whatever each calls the person', async () => {
    const sim = new Simulation(rules);
    // HR's SCIM push deactivates the hospitalist; Okta deactivates its own copy of him a minute later.
    const iga = await sim.event(scim('h1', 'hospitalist-hr-id', 'user.deactivated', 0), at(0));
    const okta2 = await sim.event(okta('h2', 'hospitalist-okta-login', 'user.deactivated', 1), at(1));
    expect(okta2.incidentId).toBe(iga.incidentId);
    // Given back twenty minutes later, on both: the same change undone, in the same incident.
    const back = await sim.event(scim('h3', 'hospitalist-hr-id', 'user.reactivated', 20), at(20));
    const oktaBack = await sim.event(okta('h4', 'hospitalist-okta-login', 'user.reactivated', 21), at(21));
    expect(back.incidentId).toBe(iga.incidentId);
    expect(oktaBack.incidentId).toBe(iga.incidentId);
  });

  it('makes one crowd of a second factor failing for people whichever provider tells it, in its own words', async () => {
    const sim = new Simulation(rules);
    const canonical = (id: string, system: string, person: string, code: string, symptom: string, minute: number) =>
      anEvent({ id, kind: 'identity', source: { type: 'canonical', system }, system, errorSignature: code, symptom, severity: 'medium', requester: { token: `tok-${person}` }, occurredAt: at(minute).toISOString() });
    const duo = await sim.event(canonical('d1', 'duo-mfa', 'ana', 'duo:error', 'Duo Push authentication failed - push not delivered to device', 0), at(0));
    const entra = await sim.event(canonical('e1', 'entra-id', 'ben', 'x-0a1b2c3d4e5f6a7b', 'Sign-in failure: strong authentication failed, push not delivered', 1), at(1));
    const oktaToo = await sim.event(okta('o1', 'cy', 'mfa.failure', 2), at(2));
    expect(entra.incidentId).toBe(duo.incidentId);
    expect(oktaToo.incidentId).toBe(duo.incidentId);
  });

  it('gives a report of another class (a phishing mail asking for a password) to that class, and an account change elsewhere to no one', async () => {
    const sim = new Simulation(rules);
    const crowd = await sim.event(okta('f1', 'ana', 'mfa.failure', 0), at(0));
    await sim.event(okta('f2', 'ben', 'mfa.failure', 0), at(0));
    const phish = await sim.event(aReport('r1', "got an email asking for my password, can't sign in link looks fake", { system: 'unknown', requester: { token: 'tok-cy' }, occurredAt: at(1).toISOString() }), at(1));
    expect(phish.incidentId).not.toBe(crowd.incidentId);
    // Dee's deactivation at Northgate; Eve at Lakeside says her account is disabled: another person's change.
    const dee = await sim.event({ ...scim('g1', 'dee', 'user.deactivated', 2), facility: 'northgate' }, at(2));
    const eve = await sim.event(aReport('r2', 'my account is disabled since this morning', { system: 'unknown', facility: 'lakeside', requester: { token: 'tok-eve' }, occurredAt: at(3).toISOString() }), at(3));
    expect(eve.incidentId).not.toBe(dee.incidentId);
  });

  it('lets a crowd go stale when people stop failing, whatever reports keep coming', async () => {
    const sim = new Simulation(rules);
    const crowd = await sim.event(okta('s1', 'ana', 'mfa.failure', 0), at(0));
    await sim.event(okta('s2', 'ben', 'mfa.failure', 0), at(0));
    for (const minute of [20, 40]) await sim.event(aReport(`rs${minute}`, "still can't sign in, the push never comes", { system: 'unknown', requester: { token: `tok-r${minute}` }, occurredAt: at(minute).toISOString() }), at(minute));
    const late = await sim.event(aReport('rs55', 'locked out of the timeclock', { system: 'unknown', requester: { token: 'tok-late' }, occurredAt: at(55).toISOString() }), at(55));
    expect(late.incidentId).not.toBe(crowd.incidentId);
  });
});

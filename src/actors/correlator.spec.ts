import type { CanonicalEvent } from '../correlation/canonical-event.js';
import { childOf, childrenOf } from '../correlation/incident.js';
import { Simulation } from './simulation.js';
import { anEvent, aReport, at, testRules } from '../correlation/test-events.js';

const rules = testRules();

async function given(...events: CanonicalEvent[]): Promise<Simulation> {
  const simulation = new Simulation(rules);
  for (const [i, event] of events.entries()) await simulation.event(event, at(i));
  return simulation;
}

const incidentOn = (simulation: Simulation, system: string) => {
  const found = simulation.list().filter((i) => i.incident.system === system);
  if (found.length !== 1) throw new Error(`expected one incident on ${system}, found ${found.length}`);
  return found[0];
};

describe('correlator: signatures', () => {
  it('records the signature rule that formed the incident', async () => {
    const simulation = await given(anEvent());

    expect(simulation.journal.find((e) => e.kind === 'incident.opened')?.rule).toEqual({ id: 'sig.default', version: 2 });
  });
});

describe('correlator: human reports', () => {
  const outage = anEvent({ id: 'a1', system: 'epic-discharge', symptom: 'Discharge summary service returning HTTP 500', errorSignature: 'HTTP_500' });

  it('attaches reports in varied wording to the machine incident on the same system', async () => {
    const simulation = await given(
      outage,
      aReport('r1', "can't open discharge summary", { system: 'epic-discharge' }),
      aReport('r2', 'Discharge summaries won’t load', { system: 'epic-discharge' }),
      aReport('r3', 'screen frozen when I click summary', { system: 'epic-discharge' }),
    );

    const incident = incidentOn(simulation, 'epic-discharge');
    expect(childrenOf(incident.incident).map((c) => c.id)).toEqual(['a1', 'r1', 'r2', 'r3']);
    expect(childrenOf(incident.incident)[1]?.attachedBy).toEqual(expect.objectContaining({ id: 'report.same-system', version: 1 }));
    expect(simulation.list()).toHaveLength(1);
  });

  it('keeps a report at another facility apart when the rule asks for the same facility', async () => {
    const simulation = await given(outage, aReport('r1', 'discharge summary will not open', { system: 'epic-discharge', facility: 'issaquah' }));

    expect(simulation.list()).toHaveLength(2);
  });

  it('turns a low-confidence match into a suggestion an agent confirms, which merges it', async () => {
    const simulation = await given(outage, aReport('r1', 'discharge summary page is blank', { system: 'unknown' }));
    const machine = incidentOn(simulation, 'epic-discharge');
    const report = incidentOn(simulation, 'unknown');
    expect(machine.incident.suggestions).toEqual([expect.objectContaining({ from: { incidentId: report.incident.id, signature: report.incident.signature } })]);

    const suggestion = machine.incident.suggestions[0];
    await simulation.command(machine.incident.id, { verb: 'confirm-suggestion', by: 'agent:kim', suggestionId: suggestion?.id ?? '' }, at(5));

    expect(incidentOn(simulation, 'unknown').status).toBe('merged');
    expect(childrenOf(incidentOn(simulation, 'epic-discharge').incident).map((c) => c.id)).toEqual(['a1', 'r1']);
  });

  it('lets an agent reject a suggestion, leaving both incidents as they are', async () => {
    const simulation = await given(outage, aReport('r1', 'discharge summary page is blank', { system: 'unknown' }));
    const machine = incidentOn(simulation, 'epic-discharge');

    await simulation.command(machine.incident.id, { verb: 'reject-suggestion', by: 'agent:kim', suggestionId: machine.incident.suggestions[0]?.id ?? '' }, at(5));

    expect(incidentOn(simulation, 'epic-discharge').incident.suggestions).toEqual([]);
    expect(incidentOn(simulation, 'unknown').status).toBe('open');
    expect(simulation.journal.at(-1)).toEqual(expect.objectContaining({ kind: 'suggestion.rejected', data: expect.objectContaining({ by: 'agent:kim' }) }));
  });
});

describe('correlator: identity context', () => {
  it("lands a requester's 'cannot log in' on the MFA reset of their own account", async () => {
    const reset = anEvent({ id: 'okta-1', kind: 'identity', source: { type: 'okta', system: 'okta' }, system: 'okta', errorSignature: 'mfa.reset', symptom: 'MFA factors reset', requester: { token: 'rt_nurse' }, facility: undefined });

    const simulation = await given(reset, aReport('r1', 'cannot log in to Epic', { system: 'epic', requester: { token: 'rt_nurse' } }), aReport('r2', 'cannot log in to Epic', { system: 'epic', requester: { token: 'rt_other' } }));

    const identity = incidentOn(simulation, 'okta');
    expect(childrenOf(identity.incident).map((c) => c.id)).toEqual(['okta-1', 'r1']);
    expect(childrenOf(identity.incident)[1]?.attachedBy?.id).toBe('identity.recent');
    expect(childOf(incidentOn(simulation, 'epic').incident, 'servicenow|r2')).toBeDefined();
  });
});

describe('correlator: dependencies', () => {
  const adt = anEvent({ id: 'adt', system: 'epic-adt', errorSignature: 'ADT_DOWN' });
  const lab = anEvent({ id: 'lab', system: 'lab-interface', kind: 'interface', errorSignature: 'AE', occurredAt: '2026-11-24T05:00:00.000Z' });
  const analyzer = anEvent({ id: 'an', system: 'lab-analyzer', errorSignature: 'NO_ORDERS', occurredAt: '2026-11-24T05:00:00.000Z' });

  it('makes downstream incidents children of the active upstream one, two levels deep', async () => {
    const simulation = await given(adt, lab, analyzer);

    const [a, l, n] = ['epic-adt', 'lab-interface', 'lab-analyzer'].map((s) => incidentOn(simulation, s).incident);
    expect(l?.parent).toEqual({ incidentId: a?.id, signature: a?.signature, rule: { id: 'dep.adt', version: 1 } });
    expect(n?.parent?.incidentId).toBe(l?.id);
  });

  it('adopts downstream incidents that were already open when the upstream one opens', async () => {
    const simulation = await given(lab, adt);

    expect(incidentOn(simulation, 'lab-interface').incident.parent?.incidentId).toBe(incidentOn(simulation, 'epic-adt').incident.id);
  });

  it('re-evaluates the children when the upstream incident resolves', async () => {
    const simulation = await given(adt, lab);

    await simulation.event({ ...adt, status: 'resolved', occurredAt: '2026-11-24T07:30:00.000Z' }, at(30));

    expect(incidentOn(simulation, 'lab-interface').incident.parent).toBeNull();
    expect(simulation.journal.filter((e) => e.kind === 'incident.unparented')).toHaveLength(1);
  });
});

describe('correlator: split', () => {
  it('moves chosen children to a new incident and sends their later events after them', async () => {
    const simulation = await given(anEvent({ id: 'a' }), anEvent({ id: 'b' }), anEvent({ id: 'c' }));
    const original = incidentOn(simulation, 'epic-adt');

    await simulation.command(original.incident.id, { verb: 'split', by: 'agent:kim', children: ['c'] }, at(5));
    await simulation.event(anEvent({ id: 'c', status: 'resolved', occurredAt: '2026-11-24T07:10:00.000Z' }), at(10));

    const [left, right] = simulation.list();
    expect(childrenOf(left?.incident ?? original.incident).map((c) => c.id)).toEqual(['a', 'b']);
    expect(childrenOf(right?.incident ?? original.incident).map((c) => [c.id, c.status])).toEqual([['c', 'resolved']]);
    expect(right?.status).toBe('resolved');
  });
});

describe('correlator: commands pinned to an episode', () => {
  it('refuses a command for an episode since replaced, and journals the refusal when the command names its request', async () => {
    const simulation = await given(anEvent({ id: 'e1', system: 'pinned' }));
    const first = incidentOn(simulation, 'pinned');
    await simulation.command(first.incident.id, { verb: 'resolve', by: 'agent:kim' }, at(1));
    // Firing again past the reopen window (30 min) opens a new episode: a different incident id.
    await simulation.event(anEvent({ id: 'e2', system: 'pinned', occurredAt: at(60).toISOString() }), at(60));
    const current = simulation.states.get(first.incident.signature);
    expect(current?.status !== 'none' && current?.incident.id).not.toBe(first.incident.id);

    const unnamed = await simulation.command(first.incident.id, { verb: 'acknowledge', by: 'agent:kim' }, at(61));
    expect(unnamed.rejected).toBe('this incident is no longer the current one for its signature');
    expect(simulation.journal.filter((e) => e.kind === 'command.rejected')).toEqual([]);

    const named = await simulation.command(first.incident.id, { verb: 'acknowledge', by: 'agent:kim', requestId: 'req-9' }, at(62));
    expect(named.rejected).toBe('this incident is no longer the current one for its signature');
    expect(simulation.journal.filter((e) => e.kind === 'command.rejected')).toEqual([
      expect.objectContaining({ incidentId: first.incident.id, signature: first.incident.signature, data: { verb: 'acknowledge', by: 'agent:kim', reason: named.rejected, request: 'req-9' } }),
    ]);
  });
});

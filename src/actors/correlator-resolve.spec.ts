import { holderIn, type Input, type ResolveInput } from '../correlation/inputs.js';
import { Correlator, type World } from './correlator.js';
import { childOf, emptyState, type IncidentState } from '../correlation/incident.js';
import { Simulation } from './simulation.js';
import { anEvent, at, testRules } from '../correlation/test-events.js';

const rules = testRules();
const source = { type: 'pagerduty' as const, system: 'pd-1' };
const trigger = anEvent({ id: 'dk-1', source, severity: 'critical', kind: 'alert', facility: 'overlake', department: 'icu', system: 'mysql', symptom: 'DISK at 99%' });
const resolveOf = (id: string, minutes = 1): ResolveInput => ({
  type: 'resolve',
  source,
  id,
  occurredAt: at(minutes).toISOString(),
  receivedAt: at(minutes).toISOString(),
  correlationId: 'corr-resolve',
});
const incidentOf = (state: IncidentState | undefined) => {
  if (!state || state.status === 'none') throw new Error('no incident');
  return state.incident;
};

describe('correlator: a resolve that names only its child (PagerDuty)', () => {
  it('becomes the child\'s own resolved event, addressed to the incident holding it, with the child\'s kind, severity and place', async () => {
    const simulation = new Simulation(rules);
    const opened = await simulation.event(trigger, at(0));
    const outcome = await simulation.send(resolveOf('dk-1'), at(1));

    expect(outcome).toEqual({ incidentId: opened.incidentId, signature: opened.signature, duplicate: false });
    const child = childOf(incidentOf(simulation.states.get(opened.signature)), 'pd-1|dk-1');
    expect(child).toMatchObject({ status: 'resolved', kind: 'alert', severity: 'critical', facility: 'overlake', department: 'icu', changedAt: at(1).toISOString() });
    expect(simulation.journal.filter((e) => e.kind === 'child.resolved').map((e) => e.childKey)).toEqual(['pd-1|dk-1']);
  });

  it('survives JSON, as it is stored in the inbox and travels between instances', async () => {
    const simulation = new Simulation(rules);
    const opened = await simulation.event(trigger, at(0));
    const travelled = JSON.parse(JSON.stringify(resolveOf('dk-1'))) as Input;
    expect((await simulation.send(travelled, at(1))).incidentId).toBe(opened.incidentId);
  });

  it('for a child no incident holds: ignored with a reason, journaled nowhere, nothing stored', async () => {
    const correlator = new Correlator(rules);
    let stored = 0;
    let loaded = 0;
    const world: World = {
      load: (s) => (loaded++, emptyState(s)),
      store: () => void stored++,
      holderOf: () => null,
    };
    const outcome = await correlator.handle(resolveOf('never-seen'), world, at(0));
    expect(outcome).toEqual({ incidentId: null, signature: '', duplicate: false, ignored: expect.stringMatching(/no incident holds this child/) });
    expect([stored, loaded]).toEqual([0, 0]);
  });

  it('has no first stop of its own: the runtime finds it as it runs', () => {
    expect(new Correlator(rules).signatureFor(resolveOf('dk-1'))).toBeUndefined();
  });

  it('with several instances: a holder owned elsewhere gets the decided event as a delivery, not the resolve again', async () => {
    const correlator = new Correlator(rules);
    const states = new Map<string, IncidentState>();
    const simulation = new Simulation(rules, correlator);
    const opened = await simulation.event(trigger, at(0));
    for (const [s, state] of simulation.states) states.set(s, state);
    const outbox: Input[] = [];
    const elsewhere: World = {
      load: (s) => states.get(s) ?? emptyState(s),
      store: () => {
        throw new Error('an actor owned elsewhere was run here');
      },
      holderOf: (key) => holderIn(states.values(), key),
      isLocal: () => false,
      forward: (input) => void outbox.push(input),
    };
    const outcome = await correlator.handle(resolveOf('dk-1'), elsewhere, at(1));
    expect(outcome).toMatchObject({ forwarded: true, signature: opened.signature });
    expect(outbox).toEqual([expect.objectContaining({ type: 'delivery', signature: opened.signature })]);

    // The owner applies it as decided.
    const applied = await simulation.send(JSON.parse(JSON.stringify(outbox[0])) as Input, at(2));
    expect(applied.incidentId).toBe(opened.incidentId);
    expect(childOf(incidentOf(simulation.states.get(opened.signature)), 'pd-1|dk-1')?.status).toBe('resolved');
  });

  it('holderIn: among several incidents holding the key, the one seen last', () => {
    const a = new Simulation(rules);
    const b = new Simulation(rules);
    return Promise.all([a.event(trigger, at(0)), b.event({ ...trigger, system: 'other', symptom: 'another title', occurredAt: at(5).toISOString() }, at(5))]).then(() => {
      const found = holderIn([...a.states.values(), ...b.states.values()], 'pd-1|dk-1');
      expect(found?.system).toBe('other');
    });
  });
});

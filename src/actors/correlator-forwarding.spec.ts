import { holderIn, type Input } from '../correlation/inputs.js';
import { Correlator, type World } from './correlator.js';
import { emptyState, childrenOf, type IncidentState } from '../correlation/incident.js';
import { anEvent, aReport, at, testRules } from '../correlation/test-events.js';

const rules = testRules();

/**
 * Two instances, each running the actors of the signatures `owns` accepts and forwarding the rest
 * (World.isLocal / World.forward), sharing one routing index as the cluster's read-back keeps it.
 */
function instance(owns: (signature: string) => boolean, states: Map<string, IncidentState>, correlator: Correlator) {
  const outbox: Input[] = [];
  const world: World = {
    load: (s) => states.get(s) ?? emptyState(s),
    holderOf: (key) => holderIn(states.values(), key),
    store: (s, transition) => void states.set(s, transition.state),
    isLocal: owns,
    forward: (input) => void outbox.push(input),
  };
  return { outbox, handle: (input: Input, i: number) => correlator.handle(input, world, at(i)) };
}

describe('correlator: deliveries for actors another instance owns', () => {
  const outage = anEvent({ id: 'a1', system: 'epic-discharge', symptom: 'Discharge summary service returning HTTP 500', errorSignature: 'HTTP_500' });
  const report = aReport('r1', "can't open discharge summary", { system: 'epic-discharge' });

  it('forwards a report routed to an incident owned elsewhere, already decided, and the owner attaches it without routing again', async () => {
    const correlator = new Correlator(rules);
    const states = new Map<string, IncidentState>();
    const outageSignature = correlator.signatureFor({ type: 'event', event: outage });
    const a = instance((s) => s === outageSignature, states, correlator);
    const b = instance((s) => s !== outageSignature, states, correlator);

    await a.handle({ type: 'event', event: outage }, 0);
    // b runs the report's own signature, but routing sends it to a's incident: b must not touch it.
    const outcome = await b.handle({ type: 'event', event: report }, 1);
    expect(outcome).toEqual(expect.objectContaining({ forwarded: true, signature: outageSignature }));
    expect(b.outbox).toEqual([expect.objectContaining({ type: 'delivery', signature: outageSignature })]);
    expect(childrenOf((states.get(outageSignature) as Extract<IncidentState, { incident: unknown }>).incident)).toHaveLength(1);

    // Through JSON, as it travels on NATS; the owner applies it as decided (attached, with its score).
    const travelled = JSON.parse(JSON.stringify(b.outbox[0])) as Input;
    const applied = await a.handle(travelled, 2);
    expect(applied.forwarded).toBeUndefined();
    const children = childrenOf((states.get(outageSignature) as Extract<IncidentState, { incident: unknown }>).incident);
    expect(children.map((c) => c.id)).toEqual(['a1', 'r1']);
    expect(children[1]?.attachedBy).toEqual(expect.objectContaining({ id: 'report.same-system' }));
    expect(a.outbox).toEqual([]);
  });

  it('forwards a command as the command itself, so the owner still checks the episode it names', async () => {
    const correlator = new Correlator(rules);
    const b = instance(() => false, new Map(), correlator);
    const command: Input = { type: 'command', signature: 'sig-x', incidentId: '00000000-0000-0000-0000-000000000000', command: { type: 'acknowledge', by: 'agent-1' } as never };

    const outcome = await b.handle(command, 0);
    expect(outcome.forwarded).toBe(true);
    expect(b.outbox).toEqual([command]);
  });
});

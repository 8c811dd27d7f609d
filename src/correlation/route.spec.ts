import { CorrelationIndex } from './correlation-index.js';
import { evolve } from './evolve.js';
import { emptyState, type IncidentState } from './incident.js';
import { followUps } from './follow-ups.js';
import { derive, route, type RouteContext } from './route.js';
import { signatureWith } from './signature.js';
import { anEvent, aReport, at, testRules } from './test-events.js';
import type { CanonicalEvent } from './canonical-event.js';

const rules = testRules();

/** An incident opened by this event, as its actor would hold it. */
function opened(event: CanonicalEvent, minute: number): IncidentState {
  const { signature, rule } = signatureWith(event, rules);
  return evolve(emptyState(signature), { type: 'event', event, route: { signatureRule: { id: rule.id, version: rule.version } } }, at(minute), rules).state;
}

function contextWith(states: IncidentState[], minute: number): RouteContext {
  const index = new CorrelationIndex(2 * 60 * 60_000);
  for (const state of states) index.apply(state);
  return { rules, index, now: at(minute), signatureOf: (event) => derive(event, rules) };
}

describe('route and followUps (pure routing)', () => {
  const outage = anEvent({ id: 'a1', system: 'epic-discharge', symptom: 'Discharge summary service returning HTTP 500', errorSignature: 'HTTP_500' });
  const report = aReport('r1', 'discharge summary returns error 500', { system: 'epic-discharge' });

  it('sends a report to the active incident it matches, and leaves the index as it found it', () => {
    const incident = opened(outage, 0);
    const context = contextWith([incident], 1);
    const before = JSON.stringify(context.index.entries());

    const delivery = route({ type: 'event', event: report }, context);

    expect(delivery).toMatchObject({ to: incident.signature, primary: true, message: { type: 'event', route: { attach: { id: 'report.same-system' } } } });
    expect(JSON.stringify(context.index.entries())).toBe(before);
    // The same input in the same context routes the same way: nothing was remembered.
    expect(route({ type: 'event', event: report }, context)).toEqual(delivery);
  });

  it('sends a report with nothing to join to its own signature', () => {
    const delivery = route({ type: 'event', event: report }, contextWith([], 1));

    expect(delivery.to).toBe(signatureWith(report, rules).signature);
    expect(delivery.message).toMatchObject({ route: { signatureRule: { id: 'sig.default' } } });
  });

  it('addresses ticks and commands to the actor they name', () => {
    const context = contextWith([], 0);
    expect(route({ type: 'tick', signature: 's' }, context)).toEqual({ to: 's', message: { type: 'tick' }, primary: true });
    expect(route({ type: 'command', signature: 's', command: { verb: 'acknowledge', by: 'alice' } }, context)).toMatchObject({ to: 's', message: { type: 'command' } });
  });

  it('reparents an incident that opens below an active upstream one (dependency graph), as data', () => {
    const upstream = opened(anEvent({ id: 'adt-1', system: 'epic-adt' }), 0);
    const labEvent = anEvent({ id: 'lab-1', system: 'lab-interface', errorSignature: 'TIMEOUT', symptom: 'lab results delayed' });
    const lab = opened(labEvent, 1);
    const context = contextWith([upstream, lab], 1);
    const delivery = route({ type: 'event', event: labEvent }, context);

    const next = followUps(delivery, emptyState(lab.signature), lab, context);

    expect(next).toEqual([{ to: lab.signature, message: { type: 'reparent', parent: expect.objectContaining({ signature: upstream.signature, rule: { id: 'dep.adt', version: 1 } }) }, primary: false }]);
  });
});

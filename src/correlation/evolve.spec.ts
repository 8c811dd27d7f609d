import fc from 'fast-check';
import { childKeyOf, type CanonicalEvent } from './canonical-event.js';
import { evolve, isRepeat, type Transition } from './evolve.js';
import { childrenOf, distinctRequesters, emptyState, type IncidentState } from './incident.js';
import { signatureOf } from './signature.js';
import { anEvent } from './test-events.js';

const now = new Date('2026-11-24T07:00:05.000Z');

function given(...events: CanonicalEvent[]): IncidentState {
  let state = emptyState(signatureOf(events[0] ?? anEvent()));
  for (const event of events) state = evolve(state, { type: 'event', event }, now).state;
  return state;
}

function when(state: IncidentState, event: CanonicalEvent): Transition {
  return evolve(state, { type: 'event', event }, now);
}

function kinds(transition: Transition): string[] {
  return transition.effects.map((effect) => effect.entry.kind);
}

describe('evolve', () => {
  it('opens an incident on the first event of a signature', () => {
    const result = when(emptyState('s'), anEvent());

    expect(result.state.status).toBe('open');
    expect(kinds(result)).toEqual(['incident.opened', 'child.attached']);
    if (result.state.status !== 'open') throw new Error('unreachable');
    expect(result.state.incident.title).toBe('ADT feed stalled');
    expect(childrenOf(result.state.incident)).toHaveLength(1);
  });

  it('attaches a later event with a different id as a child', () => {
    const state = given(anEvent({ id: 'a' }));

    const result = when(state, anEvent({ id: 'b', facility: 'issaquah', department: 'ED', severity: 'critical' }));

    expect(kinds(result)).toEqual(['child.attached']);
    if (result.state.status !== 'open') throw new Error('expected open');
    expect(childrenOf(result.state.incident)).toHaveLength(2);
    expect(result.state.incident.facilities).toEqual(['issaquah', 'overlake']);
    expect(result.state.incident.departments).toEqual(['ED']);
    expect(result.state.incident.severity).toBe('critical');
  });

  it('only bumps a counter for an exact repeat', () => {
    const state = given(anEvent({ id: 'a' }));

    const result = when(state, anEvent({ id: 'a' }));

    expect(isRepeat(result)).toBe(true);
    if (result.state.status !== 'open') throw new Error('expected open');
    expect(childrenOf(result.state.incident)).toEqual([expect.objectContaining({ id: 'a', repeats: 1 })]);
  });

  it('treats the same id from another source system as another child', () => {
    const state = given(anEvent({ id: 'a' }));

    const result = when(state, anEvent({ id: 'a', source: { type: 'grafana', system: 'grafana-prod' } }));

    expect(kinds(result)).toEqual(['child.attached']);
  });

  it('resolves the incident when its last firing child resolves', () => {
    const state = given(anEvent({ id: 'a' }), anEvent({ id: 'b' }));

    const first = when(state, anEvent({ id: 'a', status: 'resolved', occurredAt: '2026-11-24T07:05:00.000Z' }));
    const second = when(first.state, anEvent({ id: 'b', status: 'resolved', occurredAt: '2026-11-24T07:06:00.000Z' }));

    expect(first.state.status).toBe('open');
    expect(kinds(second)).toEqual(['child.resolved', 'incident.resolved']);
    expect(second.state.status).toBe('resolved');
  });

  it('ignores a stale firing that arrives after its resolve', () => {
    const resolve = anEvent({ id: 'a', status: 'resolved', occurredAt: '2026-11-24T07:05:00.000Z' });
    const state = given(resolve);

    const result = when(state, anEvent({ id: 'a', status: 'firing', occurredAt: '2026-11-24T07:00:00.000Z' }));

    expect(isRepeat(result)).toBe(true);
    expect(result.state.status).toBe('resolved');
  });

  it('reopens a resolved incident when a child fires again later', () => {
    const state = given(anEvent({ id: 'a' }), anEvent({ id: 'a', status: 'resolved', occurredAt: '2026-11-24T07:05:00.000Z' }));

    const result = when(state, anEvent({ id: 'b', occurredAt: '2026-11-24T07:10:00.000Z' }));

    expect(kinds(result)).toEqual(['child.attached', 'incident.reopened']);
    expect(result.state.status).toBe('open');
  });

  it('counts distinct requesters by token, not by report', () => {
    const report = (id: string, token: string): CanonicalEvent =>
      anEvent({ id, kind: 'report', source: { type: 'helpdesk', system: 'servicenow' }, requester: { token } });

    const state = given(report('r1', 'tok-a'), report('r2', 'tok-a'), report('r3', 'tok-b'));

    if (state.status !== 'open') throw new Error('expected open');
    expect(distinctRequesters(state.incident)).toBe(2);
  });
});

describe('evolve invariants', () => {
  const eventArb = fc.record({
    id: fc.constantFrom('a', 'b', 'c', 'd'),
    status: fc.constantFrom('firing' as const, 'resolved' as const),
    minute: fc.integer({ min: 0, max: 5 }),
  });
  const toEvent = ({ id, status, minute }: { id: string; status: 'firing' | 'resolved'; minute: number }) =>
    anEvent({ id, status, occurredAt: `2026-11-24T07:0${minute}:00.000Z` });

  it('reaches the same children and status whatever the delivery order', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 30 }).chain((events) =>
        fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }))),
      ([inOrder, shuffled]) => {
        const a = given(...inOrder.map(toEvent));
        const b = given(...shuffled.map(toEvent));
        if (a.status === 'none' || b.status === 'none') throw new Error('expected an incident');
        expect(b.status).toBe(a.status);
        const statuses = (s: typeof a) => Object.fromEntries(childrenOf(s.incident).map((c) => [c.key, c.status]));
        expect(statuses(b)).toEqual(statuses(a));
      }),
    );
  });

  it('loses no event: every event is one child, or a repeat of one', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 30 }), (raw) => {
        const events = raw.map(toEvent);
        let state = emptyState('s');
        let repeats = 0;
        for (const event of events) {
          const t = when(state, event);
          if (isRepeat(t)) repeats += 1;
          state = t.state;
        }
        if (state.status === 'none') throw new Error('expected an incident');
        const keys = new Set(events.map(childKeyOf));
        expect(childrenOf(state.incident)).toHaveLength(keys.size);
        const counted = childrenOf(state.incident).reduce((sum, c) => sum + c.repeats, 0);
        expect(counted).toBe(repeats);
      }),
    );
  });
});

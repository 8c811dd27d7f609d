import type { CanonicalEvent } from './canonical-event.js';
import { evolve, isRepeat, journalEntries } from './evolve.js';
import type { IncidentMessage } from './messages.js';
import type { Transition } from './transition.js';
import { childrenOf, distinctRequesters, emptyState, type IncidentBody, type IncidentState } from './incident.js';
import { signatureOf } from './signature.js';
import { anEvent, aReport, at, testRules } from './test-events.js';

const rules = testRules();

function given(...steps: Array<CanonicalEvent | [Date, IncidentMessage]>): IncidentState {
  let state = emptyState(signatureOf(anEvent(), rules));
  for (const step of steps) {
    const [now, message] = Array.isArray(step) ? step : [at(0), { type: 'event' as const, event: step }];
    state = evolve(state, message, now, rules).state;
  }
  return state;
}

const when = (state: IncidentState, message: IncidentMessage | CanonicalEvent, now = at(0)): Transition =>
  evolve(state, 'type' in message && typeof message.type === 'string' && !('schemaVersion' in message) ? (message) : { type: 'event', event: message as CanonicalEvent }, now, rules);

const kinds = (t: Transition) => journalEntries(t).map((e) => e.kind);
const incidentOf = (state: IncidentState): IncidentBody => {
  if (state.status === 'none') throw new Error('expected an incident');
  return state.incident;
};
const tick = { type: 'tick' } as const;

describe('evolve: events', () => {
  it('opens an incident on the first event, recording the signature rule', () => {
    const t = when(emptyState('s'), anEvent(), at(0));

    expect(t.state.status).toBe('open');
    expect(kinds(t)).toEqual(['incident.opened', 'incident.routed', 'child.attached']);
    expect(journalEntries(t)[0]?.rule).toEqual({ id: 'builtin.signature', version: 1 });
    expect(incidentOf(t.state).title).toBe('ADT feed stalled');
  });

  it('attaches a later event with another id as a child and widens the blast radius', () => {
    const state = given(anEvent({ id: 'a' }));

    const t = when(state, anEvent({ id: 'b', department: 'ED', severity: 'critical' }));

    expect(kinds(t)).toContain('child.attached');
    expect(childrenOf(incidentOf(t.state))).toHaveLength(2);
    expect(incidentOf(t.state).departments).toEqual(['ED']);
    expect(incidentOf(t.state).severity).toBe('critical');
  });

  it('only bumps a counter for an exact repeat', () => {
    const t = when(given(anEvent({ id: 'a' })), anEvent({ id: 'a' }));

    expect(isRepeat(t)).toBe(true);
    expect(childrenOf(incidentOf(t.state))).toEqual([expect.objectContaining({ id: 'a', repeats: 1 })]);
  });

  it('resolves the incident when its last firing child resolves', () => {
    const state = given(anEvent({ id: 'a' }), anEvent({ id: 'b' }), anEvent({ id: 'a', status: 'resolved', occurredAt: '2026-11-24T07:05:00.000Z' }));

    const t = when(state, anEvent({ id: 'b', status: 'resolved', occurredAt: '2026-11-24T07:06:00.000Z' }));

    expect(kinds(t)).toEqual(['child.resolved', 'incident.resolved']);
    expect(t.state.status).toBe('resolved');
  });

  it('ignores a stale firing that arrives after its resolve', () => {
    const t = when(given(anEvent({ id: 'a', status: 'resolved', occurredAt: '2026-11-24T07:05:00.000Z' })), anEvent({ id: 'a' }));

    expect(isRepeat(t)).toBe(true);
    expect(t.state.status).toBe('resolved');
  });

  it('counts distinct requesters by token, not by report', () => {
    const state = given(aReport('r1', 'x', { requester: { token: 'a' } }), aReport('r2', 'x', { requester: { token: 'a' } }), aReport('r3', 'x', { requester: { token: 'b' } }));

    expect(distinctRequesters(incidentOf(state))).toBe(2);
  });
});

describe('evolve: windows', () => {
  it('holds the ticket for groupWait so that a burst becomes one ticket', () => {
    const burst = given(anEvent({ id: 'a' }), anEvent({ id: 'b' }), anEvent({ id: 'c' }));
    expect(incidentOf(burst).ticketed).toBe(false);

    const early = when(burst, tick, at(0.25));
    const due = when(burst, tick, at(0.5));

    expect(kinds(early)).toEqual([]);
    expect(kinds(due)).toEqual(['ticket.opened']);
    expect(journalEntries(due)[0]?.rule).toEqual({ id: 'win.test', version: 1 });
  });

  it('opens no ticket at all for a burst that resolves within groupWait', () => {
    const state = given(anEvent({ id: 'a' }), anEvent({ id: 'a', status: 'resolved', occurredAt: '2026-11-24T07:00:10.000Z' }));

    expect(state.status).toBe('resolved');
    expect(kinds(when(state, tick, at(1)))).toEqual([]);
  });

  it('reopens the same incident when it fires again within the reopen window', () => {
    const resolved = given(anEvent({ id: 'a' }), anEvent({ id: 'a', status: 'resolved', occurredAt: '2026-11-24T07:05:00.000Z' }));

    const t = when(resolved, anEvent({ id: 'b', occurredAt: '2026-11-24T07:20:00.000Z' }), at(20));

    expect(kinds(t)).toEqual(['child.attached', 'incident.reopened']);
    expect(incidentOf(t.state).id).toBe(incidentOf(resolved).id);
  });

  it('opens a new incident (next episode) when it fires again after the reopen window', () => {
    const resolved = given(anEvent({ id: 'a' }), anEvent({ id: 'a', status: 'resolved', occurredAt: '2026-11-24T07:05:00.000Z' }));

    const t = when(resolved, anEvent({ id: 'b', occurredAt: '2026-11-24T08:00:00.000Z' }), at(60));

    expect(kinds(t)[0]).toBe('incident.opened');
    expect(incidentOf(t.state).episode).toBe(2);
    expect(incidentOf(t.state).id).not.toBe(incidentOf(resolved).id);
    expect(childrenOf(incidentOf(t.state)).map((c) => c.id)).toEqual(['b']);
  });

  it('auto-resolves after autoResolveAfter without activity, telling every requester', () => {
    const state = given(
      aReport('r1', 'scanner down', { requester: { token: 'tok-a' } }),
      aReport('r2', 'scanner down', { requester: { token: 'tok-b' } }),
      [at(1), tick],
    );

    const t = when(state, tick, at(4 * 60 + 1));

    expect(t.state.status).toBe('resolved');
    expect(journalEntries(t).find((e) => e.kind === 'ticket.resolved')?.data).toEqual({ notify: ['tok-a', 'tok-b'] });
    expect(childrenOf(incidentOf(t.state)).every((c) => c.status === 'resolved')).toBe(true);
  });

  it('marks an incident flapping after flapThreshold changes in flapWindow, notifying once', () => {
    let state = given(anEvent({ id: 'a' }), [at(1), tick]);
    const flaps: string[] = [];
    for (let i = 1; i <= 6; i++) {
      const t = when(state, anEvent({ id: 'a', status: i % 2 ? 'resolved' : 'firing', occurredAt: at(i).toISOString() }), at(i));
      flaps.push(...kinds(t).filter((k) => k.startsWith('ticket.') || k === 'incident.flapping'));
      state = t.state;
    }

    expect(state.status).toBe('flapping');
    expect(flaps).toEqual(['ticket.resolved', 'ticket.reopened', 'ticket.resolved', 'incident.flapping', 'ticket.flapping']);
  });

  it('leaves flapping once quiet for a whole flapWindow', () => {
    let state = given(anEvent({ id: 'a' }));
    for (let i = 1; i <= 5; i++) state = when(state, anEvent({ id: 'a', status: i % 2 ? 'resolved' : 'firing', occurredAt: at(i).toISOString() }), at(i)).state;
    expect(state.status).toBe('flapping');

    const t = when(state, tick, at(5 + 11));

    expect(kinds(t)).toContain('incident.stable');
    expect(t.state.status).toBe('resolved');
  });
});

describe('evolve: maintenance', () => {
  const lab = (id: string, minutes: number) =>
    anEvent({ id, system: 'lab-interface', kind: 'interface', occurredAt: new Date(Date.UTC(2026, 10, 24, 3, minutes)).toISOString() });

  it('records and correlates events in a maintenance window but withholds the ticket', () => {
    const state = given(lab('a', 0), lab('b', 5));

    const t = when(state, tick, at(1));

    expect(incidentOf(state).suppressed).toEqual({ id: 'mw.lab', version: 1 });
    expect(childrenOf(incidentOf(state))).toHaveLength(2);
    expect(kinds(t)).toEqual(['ticket.withheld']);
  });

  it('pushes the withheld ticket when the problem outlasts the window', () => {
    const state = when(given(lab('a', 0)), tick, at(1)).state;

    const t = when(state, lab('c', 90), at(2));

    expect(kinds(t)).toEqual(expect.arrayContaining(['incident.unsuppressed', 'ticket.opened']));
    expect(incidentOf(t.state).suppressed).toBeNull();
  });
});

describe('evolve: priority', () => {
  it('derives priority from severity, patient impact and spread, naming the rule', () => {
    const state = given(anEvent({ id: 'a', patientImpact: true }));
    expect([incidentOf(state).priority, incidentOf(state).priorityRule.id]).toEqual(['P2', 'prio.p2-care']);

    const t = when(state, anEvent({ id: 'b', facility: 'issaquah' }));

    const change = journalEntries(t).find((e) => e.kind === 'incident.prioritized');
    expect(change?.data).toEqual({ priority: 'P1', was: 'P2' });
    expect(change?.rule).toEqual({ id: 'prio.p1-spread', version: 1 });
  });
});

describe('evolve: commands', () => {
  const ticketed = () => given(aReport('r1', 'x', { requester: { token: 'tok-a' } }), aReport('r2', 'x', { requester: { token: 'tok-b' } }), [at(5), tick]);

  it('acknowledges, recording who', () => {
    const t = when(ticketed(), { type: 'command', command: { verb: 'acknowledge', by: 'agent:kim' } });

    expect(t.state.status).toBe('acknowledged');
    expect(journalEntries(t).map((e) => [e.kind, e.data.by])).toEqual([['incident.acknowledged', 'agent:kim'], ['ticket.updated', undefined]]);
  });

  it('resolving resolves every child and lists each distinct requester to notify', () => {
    const t = when(ticketed(), { type: 'command', command: { verb: 'resolve', by: 'agent:kim' } });

    expect(t.state.status).toBe('resolved');
    expect(childrenOf(incidentOf(t.state)).map((c) => c.status)).toEqual(['resolved', 'resolved']);
    expect(journalEntries(t).find((e) => e.kind === 'ticket.resolved')?.data.notify).toEqual(['tok-a', 'tok-b']);
  });

  it('reopening reopens the children', () => {
    const resolved = when(ticketed(), { type: 'command', command: { verb: 'resolve', by: 'a' } }).state;

    const t = when(resolved, { type: 'command', command: { verb: 'reopen', by: 'agent:kim', note: 'still down' } });

    expect(t.state.status).toBe('open');
    expect(childrenOf(incidentOf(t.state)).every((c) => c.status === 'firing')).toBe(true);
  });

  it('refuses a command the state does not allow, and says why', () => {
    const resolved = when(ticketed(), { type: 'command', command: { verb: 'resolve', by: 'a' } }).state;

    const t = when(resolved, { type: 'command', command: { verb: 'acknowledge', by: 'agent:kim' } });

    expect(t.rejected).toBe('cannot acknowledge a resolved incident');
    expect(kinds(t)).toEqual(['command.rejected']);
    expect(t.state).toBe(resolved);
  });

  it("marks a command's own rows, a refusal's too, with its request id when it has one", () => {
    const applied = when(ticketed(), { type: 'command', command: { verb: 'acknowledge', by: 'agent:kim', requestId: 'req-1' } });
    expect(journalEntries(applied).map((e) => [e.kind, e.data.request])).toEqual([
      ['incident.acknowledged', 'req-1'],
      ['ticket.updated', 'req-1'],
    ]);

    const refused = when(applied.state, { type: 'command', command: { verb: 'acknowledge', by: 'agent:lee', requestId: 'req-2' } });
    expect(journalEntries(refused).map((e) => [e.kind, e.data.request, e.data.reason])).toEqual([['command.rejected', 'req-2', 'already acknowledged']]);

    const unnamed = when(ticketed(), { type: 'command', command: { verb: 'acknowledge', by: 'agent:kim' } });
    expect(journalEntries(unnamed).every((e) => !('request' in e.data))).toBe(true);
  });

  it('merging hands every child to the target and forwards later events there', () => {
    const state = ticketed();
    const into = { incidentId: 'target-id', signature: 'target|sig|*' };

    const merged = when(state, { type: 'command', command: { verb: 'merge', by: 'agent:kim', into } });
    const later = when(merged.state, aReport('r3', 'x'));

    expect(merged.state.status).toBe('merged');
    expect(merged.effects.find((e) => e.type === 'send')).toEqual(expect.objectContaining({ to: into.signature, message: expect.objectContaining({ type: 'absorb' }) }));
    expect(later.effects.find((e) => e.type === 'send')).toEqual(expect.objectContaining({ to: into.signature }));
  });
});

describe('evolve: snapshots', () => {
  it('continues identically from a serialised snapshot', () => {
    const state = given(anEvent({ id: 'a' }), anEvent({ id: 'b', department: 'ED' }), [at(1), tick]);
    const restored = JSON.parse(JSON.stringify(state)) as IncidentState;
    const next = anEvent({ id: 'a', status: 'resolved', occurredAt: '2026-11-24T07:10:00.000Z' });

    expect(when(restored, next, at(10))).toEqual(when(state, next, at(10)));
  });
});

describe('evolve: routing', () => {
  it('routes to the queue of the first matching rule, naming the rule', () => {
    const state = given(anEvent({ id: 'a', system: 'lab-interface', kind: 'interface', occurredAt: '2026-11-24T06:00:00.000Z' }));

    expect([incidentOf(state).queue, incidentOf(state).routingRule.id]).toEqual(['integration', 'route.integration']);
  });

  it('sends facility problems to that facility\'s desk', () => {
    const state = given(anEvent({ id: 'a', system: 'printer-ward4', facility: 'Issaquah', symptom: 'wristband printer offline' }));

    expect(incidentOf(state).queue).toBe('facility-desk.issaquah');
  });

  it('re-routes a ticket to the major-incident queue when it spreads to a second facility', () => {
    const state = given(anEvent({ id: 'a', patientImpact: true }), [at(1), tick]);
    expect(incidentOf(state).queue).toBe('application-support');

    const t = when(state, anEvent({ id: 'b', facility: 'issaquah', patientImpact: true }), at(2));

    expect(incidentOf(t.state).queue).toBe('major-incident');
    expect(journalEntries(t).find((e) => e.kind === 'ticket.updated')?.data).toEqual({ priority: 'P1', queue: 'major-incident', previousQueue: 'application-support' });
  });
});

describe('evolve: escalation', () => {
  const p1 = () => given(anEvent({ id: 'a', patientImpact: true, facility: 'overlake' }), anEvent({ id: 'b', patientImpact: true, facility: 'issaquah' }), [at(0.5), tick]);

  it('escalates an unacknowledged P1 once per step, with the rule', () => {
    let state = p1();
    const escalations: unknown[] = [];
    for (const minute of [10, 14, 16, 20, 31, 45, 200]) {
      const t = when(state, tick, at(minute));
      escalations.push(...journalEntries(t).filter((e) => e.kind === 'ticket.escalated').map((e) => [minute, e.data.step, e.rule?.id]));
      state = t.state;
    }

    expect(escalations).toEqual([
      [16, 1, 'esc.default'],
      [31, 2, 'esc.default'],
    ]);
  });

  it('stops escalating once acknowledged', () => {
    const acknowledged = when(p1(), { type: 'command', command: { verb: 'acknowledge', by: 'agent:kim' } }, at(5)).state;

    const t = when(acknowledged, tick, at(60));

    expect(kinds(t)).not.toContain('ticket.escalated');
    expect(incidentOf(acknowledged).timers.escalate).toBeUndefined();
  });
});

describe('evolve: enrichment context', () => {
  it('fills in context that was unavailable and tells the ticket once', () => {
    const state = given(anEvent({ id: 'a', context: { enrichment: 'unavailable' } }), [at(1), tick]);
    expect(incidentOf(state).context).toEqual({ enrichment: 'unavailable' });

    const t = when(state, anEvent({ id: 'b', context: { enrichment: 'ok', facilityName: 'Overlake Medical Center', locationPath: ['Overlake', 'Tower B'] } }), at(2));
    const again = when(t.state, anEvent({ id: 'c', context: { enrichment: 'ok', facilityName: 'Overlake Medical Center', locationPath: ['Overlake', 'Tower B'] } }), at(3));

    expect(incidentOf(t.state).context).toEqual({ enrichment: 'ok', facilityName: 'Overlake Medical Center', locationPath: ['Overlake', 'Tower B'] });
    expect(kinds(t)).toEqual(expect.arrayContaining(['incident.enriched', 'ticket.updated']));
    expect(kinds(again)).not.toContain('incident.enriched');
  });
});

import { evolve, journalEntries, type IncidentMessage } from './evolve.js';
import { emptyState, type IncidentState } from './incident.js';
import { ticketEventsOf, type SequencedEntry } from './tickets.js';
import { aReport, at, testRules } from './test-events.js';

const rules = testRules();

/** Runs messages as one batch would and numbers the journal entries like the runtime does. */
function batch(state: IncidentState, messages: Array<[Date, IncidentMessage]>, seq = 0): { state: IncidentState; entries: SequencedEntry[] } {
  const entries: SequencedEntry[] = [];
  for (const [now, message] of messages) {
    const t = evolve(state, message, now, rules);
    for (const entry of journalEntries(t)) entries.push({ ...entry, seq: ++seq });
    state = t.state;
  }
  return { state, entries };
}

const report = (n: number, facility = 'overlake') => aReport(`r${n}`, 'cannot print wristbands', { system: 'epic-adt', requester: { token: `tok-${n % 7}` }, facility });

describe('ticket events', () => {
  it('opens one ticket with its children when groupWait ends', () => {
    const first = batch(emptyState('s'), [1, 2, 3].map((n) => [at(0), { type: 'event', event: report(n) }]));

    const opened = batch(first.state, [[at(1), { type: 'tick' }]], first.entries.length);

    expect(ticketEventsOf(first.state, first.entries)).toEqual([]);
    const events = ticketEventsOf(opened.state, opened.entries);
    expect(events.map((e) => [e.type, e.children.length, e.incident.queue])).toEqual([['ticket.opened', 3, 'application-support']]);
    expect(events[0]?.eventKey).toBe(`${events[0]?.incident.id}:${opened.entries[0]?.seq}`);
  });

  it('coalesces a batch of new children into one update', () => {
    const opened = batch(emptyState('s'), [[at(0), { type: 'event', event: report(0) }], [at(1), { type: 'tick' }]]);

    const storm = batch(opened.state, Array.from({ length: 100 }, (_, n) => [at(2), { type: 'event', event: report(n + 1) }] as [Date, IncidentMessage]), opened.entries.length);

    const events = ticketEventsOf(storm.state, storm.entries);
    expect(events.map((e) => [e.type, e.children.length])).toEqual([['ticket.updated', 100]]);
  });

  it('tells every distinct requester on resolve', () => {
    const opened = batch(emptyState('s'), [...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => [at(0), { type: 'event', event: report(n) }] as [Date, IncidentMessage]), [at(1), { type: 'tick' }]]);

    const resolved = batch(opened.state, [[at(2), { type: 'command', command: { verb: 'resolve', by: 'agent:kim' } }]], 100);

    const events = ticketEventsOf(resolved.state, resolved.entries);
    expect(events.map((e) => e.type)).toEqual(['ticket.resolved']);
    expect(events[0]?.notify).toEqual(['tok-0', 'tok-1', 'tok-2', 'tok-3', 'tok-4', 'tok-5', 'tok-6']);
  });
});

import { evolve, isRepeat, journalEntries } from './evolve.js';
import type { IncidentMessage } from './messages.js';
import { emptyState, type IncidentState } from './incident.js';
import type { RuleSet } from './rules.js';
import { carriesDetails, EVENT_CHILDREN, mergeUpdates, ticketEventsOf, type SequencedEntry, type TicketEvent } from './tickets.js';
import { aReport, at, testRules } from './test-events.js';

const rules = testRules();
const WINDOW = { id: 'win.test', version: 1, groupWait: '30s', reopenWindow: '30m', autoResolveAfter: '4h', flapThreshold: 4, flapWindow: '10m' };

interface Batch {
  before: IncidentState;
  state: IncidentState;
  entries: SequencedEntry[];
  seq: number;
}

/** Runs messages as one batch would and numbers the journal entries like the runtime does. */
function batch(previous: Pick<Batch, 'state' | 'seq'>, messages: Array<[Date, IncidentMessage]>, with_: RuleSet = rules): Batch {
  const entries: SequencedEntry[] = [];
  let { state, seq } = previous;
  for (const [now, message] of messages) {
    const t = evolve(state, message, now, with_);
    for (const entry of journalEntries(t)) entries.push({ ...entry, seq: ++seq });
    state = t.state;
  }
  return { before: previous.state, state, entries, seq };
}

const start = { state: emptyState('s'), seq: 0 };
const eventsOf = (b: Batch): TicketEvent[] => ticketEventsOf(b.before, b.state, b.entries);
const report = (n: number, facility = 'overlake') => aReport(`r${n}`, 'cannot print wristbands', { system: 'epic-adt', requester: { token: `tok-${n % 7}` }, facility });
const reports = (from: number, count: number, when: Date) => Array.from({ length: count }, (_, i) => [when, { type: 'event', event: report(from + i) }] as [Date, IncidentMessage]);
const seconds = (minute: number, s: number) => new Date(at(minute).getTime() + s * 1000);
const tick = (when: Date): [Date, IncidentMessage] => [when, { type: 'tick' }];

describe('ticket events', () => {
  it('opens one ticket with its children when groupWait ends', () => {
    const first = batch(start, reports(1, 3, at(0)));

    const opened = batch(first, [tick(at(1))]);

    expect(eventsOf(first)).toEqual([]);
    const events = eventsOf(opened);
    expect(events.map((e) => [e.type, e.children.length, e.incident.queue])).toEqual([['ticket.opened', 3, 'application-support']]);
    expect(events[0]?.eventKey).toBe(`${events[0]?.incident.id}:${opened.entries[0]?.seq}`);
  });

  it('opens a ticket with the children in the order they fired, the first 200 of a larger storm, and says how many it left out', () => {
    // They arrive in an order unlike the one they fired in: report n fired (97·n mod 250) s early.
    const firedAt = (n: number) => new Date(at(0).getTime() - ((97 * n) % 250) * 1000).toISOString();
    const storm = Array.from({ length: 250 }, (_, i) => [at(0), { type: 'event', event: { ...report(i + 1), occurredAt: firedAt(i + 1) } }] as [Date, IncidentMessage]);

    const opened = batch(batch(start, storm), [tick(at(1))]);

    const [event] = eventsOf(opened);
    expect(event?.type).toBe('ticket.opened');
    const firstToFire = Array.from({ length: 250 }, (_, i) => i + 1)
      .sort((a, b) => firedAt(a).localeCompare(firedAt(b)))
      .slice(0, EVENT_CHILDREN)
      .map((n) => `r${n}`);
    expect(event?.children.map((c) => c.id)).toEqual(firstToFire);
    expect(event?.details).toEqual(expect.objectContaining({ childrenOmitted: 50 }));
  });

  it('carries the people first when a storm is larger than a ticket event, with their helpdesk tickets', () => {
    // 250 alerts of a feed, then one ward's report relayed from the helpdesk with its own ticket.
    const alert = (n: number) => aReport(`a${n}`, 'cannot print wristbands', { kind: 'alert', system: 'epic-adt', facility: 'overlake' });
    const storm = Array.from({ length: 250 }, (_, i) => [at(0), { type: 'event', event: alert(i) }] as [Date, IncidentMessage]);
    const ward = aReport('w1', 'wristbands blank on 4 West', { system: 'epic-adt', facility: 'overlake', source: { type: 'helpdesk', system: 'rt' }, labels: { helpdeskTicket: '4711' } });
    const opened = batch(batch(start, [...storm, [at(0), { type: 'event', event: ward }]]), [tick(at(1))]);
    const [event] = eventsOf(opened);
    expect(event?.children).toHaveLength(EVENT_CHILDREN);
    expect(event?.children[0]).toMatchObject({ id: 'w1', kind: 'report', source: { type: 'helpdesk', system: 'rt' }, helpdeskTicket: '4711' });
  });

  it('holds children that change after the ticket opened for updateInterval, then tells them all in one journaled update', () => {
    const opened = batch(start, [...reports(0, 1, at(0)), tick(at(1))]);

    const storm = batch(opened, reports(1, 100, at(2)));
    const more = batch(storm, reports(101, 20, seconds(2, 10)));
    const flushed = batch(more, [tick(seconds(2, 30))]);

    expect(eventsOf(storm)).toEqual([]);
    expect(eventsOf(more)).toEqual([]);
    const events = eventsOf(flushed);
    expect(events.map((e) => [e.type, e.children.length])).toEqual([['ticket.updated', 120]]);
    expect(new Set(events[0]?.children.map((c) => c.id)).size).toBe(120);
    // A decision of its own: journaled, with the window rule that timed it.
    expect(flushed.entries.map((e) => [e.kind, e.rule?.id])).toEqual([['ticket.updated', 'win.test']]);
    expect(events[0]?.eventKey).toBe(`${events[0]?.incident.id}:${flushed.entries[0]?.seq}`);
  });

  it('tells what it held at the first event after the interval, without waiting for the timer', () => {
    const opened = batch(start, [...reports(0, 1, at(0)), tick(at(1))]);
    const held = batch(opened, reports(1, 5, at(2)));

    const next = batch(held, reports(6, 1, seconds(2, 31)));

    expect(eventsOf(next).map((e) => [e.type, e.children.map((c) => c.id).sort()])).toEqual([['ticket.updated', ['r1', 'r2', 'r3', 'r4', 'r5', 'r6']]]);
    // Nothing is left to tell, so no timer stays armed for it.
    expect(next.state.status !== 'none' && next.state.incident.timers.update).toBeUndefined();
  });

  it('counts an exact repeat that lets the held update out as a duplicate all the same', () => {
    const opened = batch(start, [...reports(1, 3, at(0)), tick(at(2))]);
    const held = batch(opened, reports(4, 1, at(3)));

    const repeat = evolve(held.state, { type: 'event', event: report(1) }, seconds(3, 45), rules);

    expect(journalEntries(repeat).map((e) => e.kind)).toEqual(['child.repeated', 'ticket.updated']);
    expect(isRepeat(repeat)).toBe(true);
    expect(isRepeat(evolve(held.state, { type: 'event', event: report(9) }, seconds(3, 45), rules))).toBe(false);
  });

  it('tells a child once: a change after the flush in the same batch waits for the next update', () => {
    const opened = batch(start, [...reports(0, 1, at(0)), tick(at(1))]);
    const held = batch(opened, reports(1, 2, at(2)));

    const flushedThenMore = batch(held, [tick(seconds(2, 30)), ...reports(3, 1, seconds(2, 31))]);
    const next = batch(flushedThenMore, [tick(seconds(3, 1))]);

    expect(eventsOf(flushedThenMore).map((e) => e.children.map((c) => c.id).sort())).toEqual([['r1', 'r2']]);
    expect(eventsOf(next).map((e) => e.children.map((c) => c.id))).toEqual([['r3']]);
  });

  it('with updateInterval 0, coalesces each batch of new children into one update', () => {
    const eager = testRules({ windows: [{ ...WINDOW, updateInterval: '0s' }] });
    const opened = batch(start, [...reports(0, 1, at(0)), tick(at(1))], eager);

    const storm = batch(opened, reports(1, 100, at(2)), eager);

    expect(eventsOf(storm).map((e) => [e.type, e.children.length])).toEqual([['ticket.updated', 100]]);
    expect(storm.entries.some((e) => e.kind === 'ticket.updated')).toBe(false);
  });

  it('carries at most 200 children, the latest changes, and says how many it left out', () => {
    const opened = batch(start, [...reports(0, 1, at(0)), tick(at(1))]);
    const storm = batch(batch(opened, reports(1, 150, at(2))), reports(151, 150, seconds(2, 5)));

    const [update] = eventsOf(batch(storm, [tick(seconds(2, 30))]));

    expect(update?.children).toHaveLength(200);
    expect(update?.details).toEqual({ childrenOmitted: 100 });
    // The second batch's 150 are all there: the newest changes are the ones kept.
    const ids = new Set(update?.children.map((c) => c.id));
    expect(Array.from({ length: 150 }, (_, i) => `r${151 + i}`).every((id) => ids.has(id))).toBe(true);
  });

  it('tells every distinct requester on resolve', () => {
    const opened = batch(start, [...reports(1, 8, at(0)), tick(at(1))]);

    const resolved = batch(opened, [[at(2), { type: 'command', command: { verb: 'resolve', by: 'agent:kim' } }]]);

    const events = eventsOf(resolved);
    expect(events.map((e) => e.type)).toEqual(['ticket.resolved']);
    expect(events[0]?.notify).toEqual(['tok-0', 'tok-1', 'tok-2', 'tok-3', 'tok-4', 'tok-5', 'tok-6']);
  });

  it('carries the resolution note and the change that fixed it to the helpdesk with the resolve', () => {
    const opened = batch(start, [...reports(1, 3, at(0)), tick(at(1))]);

    const resolved = batch(opened, [[at(2), { type: 'command', command: { verb: 'resolve', by: 'agent:kim', note: 'restarted the interface engine', change: 'CHG0042123' } }]]);

    expect(eventsOf(resolved)[0]?.details).toEqual({ note: 'restarted the interface engine', change: 'CHG0042123' });
  });

  it('lets any other ticket event carry the children held back, and starts the interval over', () => {
    const opened = batch(start, [...reports(1, 8, at(0)), tick(at(1))]);
    const held = batch(opened, reports(9, 2, at(2)));

    const acknowledged = batch(held, [[seconds(2, 5), { type: 'command', command: { verb: 'acknowledge', by: 'agent:kim' } }]]);

    const events = eventsOf(acknowledged);
    expect(events.map((e) => [e.type, e.children.map((c) => c.id).sort()])).toEqual([['ticket.updated', ['r10', 'r9']]]);
    expect(acknowledged.state.status !== 'none' && acknowledged.state.incident.timers.update).toBeUndefined();
    expect(eventsOf(batch(acknowledged, [tick(seconds(2, 40))]))).toEqual([]);
  });

  describe('updates queued for the relay, told as one', () => {
    /** `ticket.updated` events of one incident, each after the previous, with ids r<from>… */
    function updates(count: number, perEvent: number, overlap = 0): TicketEvent[] {
      const opened = batch(start, [...reports(0, 1, at(0)), tick(at(1))]);
      const events: TicketEvent[] = [];
      let previous: Batch = opened;
      for (let i = 0; i < count; i++) {
        const first = 1 + i * (perEvent - overlap);
        const changed = batch(previous, reports(first, perEvent, seconds(2 + i, 0)));
        previous = batch(changed, [tick(seconds(2 + i, 31))]);
        events.push(...eventsOf(previous));
      }
      return events;
    }

    it('tells each child once, as its latest event had it, with the last event for the incident', () => {
      const queued = updates(3, 20, 5);
      expect(queued.map((e) => e.type)).toEqual(['ticket.updated', 'ticket.updated', 'ticket.updated']);

      const merged = mergeUpdates(queued);

      expect(merged.eventKey).toBe(queued[2]?.eventKey);
      expect(merged.incident).toEqual(queued[2]?.incident);
      const ids = merged.children.map((c) => c.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(50); // 20 + 15 + 15: five of each later event repeat the one before
      const repeated = merged.children.find((c) => c.id === 'r16');
      expect(repeated).toEqual(queued[1]?.children.find((c) => c.id === 'r16'));
      expect(merged.details).toEqual({});
    });

    it('still carries at most 200 children after a long outage, the latest changes, and says how many it left out', () => {
      const queued = updates(4, 150);

      const merged = mergeUpdates(queued);

      expect(merged.children).toHaveLength(EVENT_CHILDREN);
      expect(merged.details).toEqual({ childrenOmitted: 600 - EVENT_CHILDREN });
      const ids = new Set(merged.children.map((c) => c.id));
      expect(Array.from({ length: 150 }, (_, i) => `r${451 + i}`).every((id) => ids.has(id))).toBe(true);
      expect(ids.has('r1')).toBe(false);
      expect(Buffer.byteLength(JSON.stringify(merged))).toBeLessThan(1024 * 1024);
    });

    it('over the cap keeps the latest changes of a capped event followed by a small one, newest first', () => {
      const capped = updates(1, 250)[0]; // r1…r250: 200 told (the newest), 50 left out
      const small = batch(batch(batch(start, [...reports(0, 1, at(0)), tick(at(1))]), reports(251, 50, seconds(9, 0))), [tick(seconds(9, 31))]);
      const later = eventsOf(small)[0];
      expect(later.children.map((c) => c.id)).toEqual(Array.from({ length: 50 }, (_, i) => `r${251 + i}`));

      const merged = mergeUpdates([capped, later]);

      expect(merged.children).toHaveLength(EVENT_CHILDREN);
      const ids = merged.children.map((c) => c.id);
      // The later event first, then the capped one's newest 150: r101…r250, not its oldest.
      expect(ids.slice(0, 50).sort()).toEqual(later.children.map((c) => c.id).sort());
      expect(new Set(ids.slice(50))).toEqual(new Set(capped.children.slice(0, 150).map((c) => c.id)));
      expect(merged.details).toEqual({ childrenOmitted: 50 + 50 });
    });

    it('says which updates carry details of their own, so the relay ends a run there', () => {
      const [update] = updates(1, 3);
      expect(carriesDetails(update)).toBe(false);
      expect(carriesDetails({ ...update, details: { childrenOmitted: 4 } })).toBe(false);
      expect(carriesDetails({ ...update, details: { previousQueue: 'service-desk' } })).toBe(true);
    });

    it('adds up what the queued events had already left out', () => {
      const queued = updates(2, 250);
      expect(queued.map((e) => e.details.childrenOmitted)).toEqual([50, 50]);

      expect(mergeUpdates(queued).details.childrenOmitted).toBe(500 - EVENT_CHILDREN);
    });
  });
});

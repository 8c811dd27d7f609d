import { belowFloor, pairCounts, scoreScenario, totalOf, type ScoredEvent } from './score.js';

const event = (truth: string, group: string, queue: string | null = 'q', incident: string | null = group): ScoredEvent => ({ truth, truthQueue: 'q', group, incident, queue });

describe('evaluation scoring', () => {
  it('counts pairs: together in both, only in corral, only in the truth', () => {
    // Truth: a a a b. corral: {a a} {a b}.
    const counts = pairCounts([event('a', '1'), event('a', '1'), event('a', '2'), event('b', '2')]);
    expect(counts).toEqual({ truePositive: 1, falsePositive: 1, falseNegative: 2 });
  });

  it('scores a perfect grouping 1, and a storm split in two by facility below it', () => {
    const perfect = scoreScenario([event('a', '1'), event('a', '1'), event('b', '2')], new Map([['1', 1], ['2', 1]]));
    expect(perfect).toMatchObject({ precision: 1, recall: 1, f1: 1, routing: 1, exactlyOneTicket: 2, realIncidents: 2, groups: 2 });
    const split = scoreScenario([event('a', '1'), event('a', '1'), event('a', '2'), event('a', '2')], new Map([['1', 1], ['2', 1]]));
    expect(split.precision).toBe(1);
    expect(split.recall).toBeCloseTo(2 / 6);
    expect(split.withSeveralTickets).toEqual(['a']);
  });

  it('counts the ticket of an incident merged away as a second one for the problem it held, and not for a report that only passed through', () => {
    // a's report opened incident 3 and its ticket, then was merged into 1: the helpdesk saw two.
    const merged = scoreScenario([event('a', '1'), { ...event('a', '1'), joined: '3' }], new Map([['1', 1], ['3', 1]]));
    expect(merged.withSeveralTickets).toEqual(['a']);
    // b's report sat in a's incident 1 (which still holds a's events) before it was pulled to 2.
    const pulled = scoreScenario([event('a', '1'), { ...event('b', '2'), joined: '1' }], new Map([['1', 1], ['2', 1]]));
    expect(pulled.exactlyOneTicket).toBe(2);
  });

  it('counts a real incident without any ticket, and routing per event', () => {
    const score = scoreScenario([event('a', '1', 'q'), event('b', '2', 'other')], new Map([['1', 1]]));
    expect(score.withoutTicket).toEqual(['b']);
    expect(score.routing).toBe(0.5);
  });

  it('sums scenarios by pairs, not by averaging their F1', () => {
    const big = scoreScenario(Array.from({ length: 10 }, () => event('a', '1')), new Map([['1', 1]]));
    const small = scoreScenario([event('a', '1'), event('a', '2')], new Map([['1', 1], ['2', 1]]));
    const total = totalOf([big, small]);
    expect(total.truePositive).toBe(45);
    expect(total.falseNegative).toBe(1);
    expect(total.recall).toBeCloseTo(45 / 46);
  });

  it('names each figure below its floor, at the three places the table prints', () => {
    const score = scoreScenario([event('a', '1'), event('a', '2')], new Map([['1', 1], ['2', 1]]));
    expect(belowFloor(score, { f1: 0, routing: 1 })).toEqual([]);
    expect(belowFloor(score, { recall: 0.5, exactlyOneTicket: 1 })).toEqual(['recall 0.000 is below its floor 0.500', 'exactlyOneTicket 0.000 is below its floor 1.000']);
  });
});

import { clockTime, joinedReply, ordinal, peopleReporting, statusAnswer, statusWords, type Described } from './reply-wording.js';

const chicago = { timeZone: 'America/Chicago', now: new Date('2026-11-24T15:00:00Z') };
const outage: Described = { system: 'Epic', priority: 'P1', status: 'open', since: '2026-11-24T13:02:00Z', reporters: 31, facilities: ['lakeside', 'overlake'] };

describe('what corral says back in a chat', () => {
  it('counts in English ordinals', () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112, 1000].map(ordinal)).toEqual(['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '111th', '112th', '1000th']);
  });

  it('names each status in words', () => {
    expect(['open', 'acknowledged', 'resolved', 'flapping'].map(statusWords)).toEqual(['being worked on', 'acknowledged by the team', 'marked resolved', 'coming and going']);
  });

  it('tells the person their own place exactly, even under five, with the time in the configured zone', () => {
    expect(joinedReply(outage, chicago)).toBe('You are the 31st person to report this. corral has known since 07:02 (America/Chicago). Epic at lakeside, overlake — P1, being worked on.');
    expect(joinedReply({ ...outage, reporters: 2, status: 'acknowledged', facilities: [] }, chicago)).toBe('You are the 2nd person to report this. corral has known since 07:02 (America/Chicago). Epic — P1, acknowledged by the team.');
  });

  it('gives the day when corral has known since another day, and never a title or anything else', () => {
    expect(clockTime('2026-11-23T13:02:00Z', chicago)).toBe('Mon 23 Nov 07:02');
    const { system: _, ...unnamed } = outage;
    const reply = joinedReply({ ...unnamed, since: '2026-11-23T13:02:00Z', facilities: ['a', 'b', 'c', 'd', 'e'] }, chicago);
    expect(reply).toBe('You are the 31st person to report this. corral has known since Mon 23 Nov 07:02 (America/Chicago). This problem at a, b, c and 2 more sites — P1, being worked on.');
  });

  it('says other people’s counts under five only as "fewer than 5"', () => {
    expect([0, 1, 4, 5, 31].map((n) => peopleReporting(n, 5))).toEqual([undefined, 'fewer than 5 people reporting', 'fewer than 5 people reporting', '5 people reporting', '31 people reporting']);
  });

  it('lists active problems, at most ten, each on one line', () => {
    const few: Described = { ...outage, system: 'PACS', priority: 'P3', reporters: 2, status: 'flapping', facilities: ['lakeside'] };
    expect(statusAnswer([outage, few], { facility: 'lakeside' }, chicago, 5)).toBe(
      ['Active problems at lakeside (2; times are America/Chicago):', '• P1 Epic at lakeside, overlake — since 07:02, 31 people reporting', '• P3 PACS at lakeside — since 07:02, fewer than 5 people reporting, coming and going'].join('\n'),
    );
    const many = statusAnswer(Array.from({ length: 12 }, () => few), {}, chicago, 5).split('\n');
    expect([many.length, many.at(-1)]).toEqual([12, '…and 2 more.']);
    expect(statusAnswer([], { system: 'Epic', facility: 'lakeside' }, chicago, 5)).toBe('No active problems on Epic at lakeside that corral knows of.');
  });
});

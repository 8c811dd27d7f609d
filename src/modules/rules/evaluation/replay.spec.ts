import { anEvent, at, testRules } from '../../../correlation/test-events.js';
import { Replay } from './replay.js';

describe('replay: a candidate rule set on recorded history, beside the rules in force', () => {
  const events = [
    anEvent({ id: 'a1', system: 'pacs', facility: 'lakeside', errorSignature: 'DICOM_TIMEOUT', symptom: 'DICOM timeout' }),
    anEvent({ id: 'a2', system: 'pacs', facility: 'northgate', errorSignature: 'DICOM_TIMEOUT', symptom: 'DICOM timeout' }),
    anEvent({ id: 'a3', system: 'printer-3', facility: 'lakeside', errorSignature: 'PAPER_OUT', symptom: 'paper out' }),
  ];

  it('finds nothing to tell when the candidate is the rules in force', async () => {
    const replay = new Replay(testRules(), testRules());
    for (const [n, event] of events.entries()) await replay.feed({ type: 'event', event }, at(n));
    const difference = await replay.finish();
    expect(difference).toMatchObject({ inputs: 3, events: 3, grouping: { agreement: 1, joined: 0, split: 0 }, routing: [], priority: [] });
    expect(difference.candidate).toEqual(difference.inForce);
  });

  it('tells which events a candidate joins and where it routes them', async () => {
    const candidate = testRules({
      systems: [{ id: 'sys.pacs', version: 1, system: 'pacs', scope: 'shared', class: 'imaging' }],
      routing: [
        { id: 'route.imaging', version: 1, when: { classes: ['imaging'] }, queue: 'imaging' },
        { id: 'route.fallback', version: 1, queue: 'service-desk' },
      ],
    });
    const replay = new Replay(testRules(), candidate);
    for (const [n, event] of events.entries()) await replay.feed({ type: 'event', event }, at(n));
    const difference = await replay.finish();
    expect(difference.inForce.incidents).toBe(3);
    expect(difference.candidate.incidents).toBe(2);
    expect(difference.grouping).toMatchObject({ joined: 1, split: 0 });
    // The candidate's routing section replaces the whole one: the printer loses its facility desk too.
    expect(difference.routing).toEqual([
      { from: 'service-desk', to: 'imaging', events: 2 },
      { from: 'facility-desk.lakeside', to: 'service-desk', events: 1 },
    ]);
  });
});

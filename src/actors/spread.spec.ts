import { anEvent, at, testRules } from '../correlation/test-events.js';
import { Simulation } from './simulation.js';

// A system the rules give no scope, seen with the same problem at a second facility: one incident,
// the join on the journal with the spread rule; outside the window, or declared local, two.
const rules = testRules({
  systems: [{ id: 'sys.printers', version: 1, system: 'printer*', scope: 'local' }],
  spread: [{ id: 'spread.two-sites', version: 1, within: '15m' }],
});
const alert = (id: string, system: string, facility: string) => anEvent({ id, system, facility, errorSignature: 'UPLOAD_401', symptom: 'uploads failing' });

describe('spread: one problem on a system of unknown scope at two facilities', () => {
  it('joins the second facility to the first one’s incident, naming the rule', async () => {
    const sim = new Simulation(rules);
    const first = await sim.event(alert('a1', 'dictation', 'lakeside'), at(0));
    const second = await sim.event(alert('a2', 'dictation', 'northgate'), at(5));
    expect(second.incidentId).toBe(first.incidentId);
    expect(sim.incidents.get(first.incidentId as string)?.incident).toMatchObject({ facilities: ['lakeside', 'northgate'], scope: null });
    expect(sim.journal.find((e) => e.kind === 'child.attached' && e.childKey?.endsWith('|a2'))?.rule).toEqual({ id: 'spread.two-sites', version: 1 });
  });

  it('keeps them apart past the window, and for a system declared local', async () => {
    const sim = new Simulation(rules);
    const first = await sim.event(alert('a1', 'dictation', 'lakeside'), at(0));
    expect((await sim.event(alert('a2', 'dictation', 'northgate'), at(20))).incidentId).not.toBe(first.incidentId);
    const printer = await sim.event(alert('p1', 'printer-lab', 'lakeside'), at(0));
    expect((await sim.event(alert('p2', 'printer-lab', 'northgate'), at(1))).incidentId).not.toBe(printer.incidentId);
  });
});

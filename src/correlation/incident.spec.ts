import { sharedSource } from './incident.js';

describe('sharedSource', () => {
  it('gives equal sources one frozen object, and keeps unequal ones apart', () => {
    const first = sharedSource({ type: 'alertmanager', system: 'prometheus', instance: 'prom-1' });
    const again = sharedSource({ type: 'alertmanager', system: 'prometheus', instance: 'prom-1' });
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({ type: 'alertmanager', system: 'prometheus', instance: 'prom-1' });
    expect(sharedSource({ type: 'alertmanager', system: 'prometheus', instance: 'prom-2' })).not.toBe(first);
    // No `instance: undefined` key: a child's source reads back from its row without one.
    expect(Object.keys(sharedSource({ type: 'hl7', system: 'lab' }))).toEqual(['type', 'system']);
    expect(sharedSource({ type: 'hl7', system: 'lab', instance: '' })).toEqual({ type: 'hl7', system: 'lab', instance: '' });
  });
});

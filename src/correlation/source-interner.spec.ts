import { SourceInterner } from './source-interner.js';

describe('SourceInterner', () => {
  it('gives equal sources one frozen object, and keeps unequal ones apart', () => {
    const sources = new SourceInterner();
    const first = sources.intern({ type: 'alertmanager', system: 'prometheus', instance: 'prom-1' });
    const again = sources.intern({ type: 'alertmanager', system: 'prometheus', instance: 'prom-1' });
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({ type: 'alertmanager', system: 'prometheus', instance: 'prom-1' });
    expect(sources.intern({ type: 'alertmanager', system: 'prometheus', instance: 'prom-2' })).not.toBe(first);
    // No `instance: undefined` key: a child's source reads back from its row without one.
    expect(Object.keys(sources.intern({ type: 'hl7', system: 'lab' }))).toEqual(['type', 'system']);
    expect(sources.intern({ type: 'hl7', system: 'lab', instance: '' })).toEqual({ type: 'hl7', system: 'lab', instance: '' });
  });

  it('keeps at most as many as it was given, starting over when full; two interners share nothing', () => {
    const sources = new SourceInterner(2);
    const a = sources.intern({ type: 'hl7', system: 'a' });
    sources.intern({ type: 'hl7', system: 'b' });
    sources.intern({ type: 'hl7', system: 'c' });
    expect(sources.intern({ type: 'hl7', system: 'a' })).not.toBe(a);
    expect(new SourceInterner().intern({ type: 'hl7', system: 'a' })).not.toBe(sources.intern({ type: 'hl7', system: 'a' }));
  });
});

import { ActorRegistry } from './actor-registry.js';
import type { ActorStore } from './actor-store.js';

/** Nothing stored: every actor starts empty; the registry's bookkeeping is what is under test. */
const emptyStore = {
  load: () => Promise.resolve(null),
  loadMany: () => Promise.resolve(new Map()),
} as unknown as ActorStore;

describe('ActorRegistry', () => {
  let now: number;
  const registry = (maxLive: number) => new ActorRegistry(emptyStore, { maxLive, idleMs: 60_000 }, () => now);
  beforeEach(() => {
    now = 1_000_000;
  });

  it('crowds out the least recently used first, counting uses a second or more apart', async () => {
    const actors = registry(3);
    await actors.getMany(['a', 'b', 'c']);
    now += 1_000;
    actors.touch('a'); // a is now the most recent
    await actors.get('d');
    expect(actors.peek('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((s) => actors.peek(s)?.signature)).toEqual(['a', 'c', 'd']);
    expect(actors.passivations).toBe(1);
  });

  it('counts a use within a second without reordering: an idle actor behind it leaves at most a second late', async () => {
    const actors = registry(10);
    await actors.getMany(['a', 'b']);
    now += 500;
    actors.touch('a'); // a second not yet passed: a keeps its place ahead of b, but was used
    now += 59_700; // b idle for 60.2 s, a for 59.7 s: the sweep stops at a
    expect(actors.sweep()).toBe(0);
    now += 900; // a idle too: both leave
    expect(actors.sweep()).toBe(2);
    expect(actors.size).toBe(0);
  });

  it('moves a busy actor along, so it neither shields idle actors behind it nor is crowded out first', async () => {
    const actors = registry(2);
    await actors.get('hot');
    await actors.get('idle');
    for (let i = 0; i < 130; i++) {
      now += 500; // used twice a second for 65 s: more often than its place is refreshed
      actors.touch('hot');
    }
    expect(actors.sweep()).toBe(1); // idle for 65 s: gone, although it was hydrated after hot
    expect(actors.peek('idle')).toBeUndefined();
    await actors.get('b');
    now += 1_000;
    actors.touch('hot');
    await actors.get('c'); // full: the least recently used (b) leaves, not hot, hydrated long before
    expect([actors.peek('hot')?.signature, actors.peek('b'), actors.peek('c')?.signature]).toEqual(['hot', undefined, 'c']);
  });

  it('touch answers only for actors in memory', async () => {
    const actors = registry(10);
    expect(actors.touch('x')).toBeUndefined();
    await actors.get('x');
    expect(actors.touch('x')?.signature).toBe('x');
    expect(actors.hydrations).toBe(1);
  });
});

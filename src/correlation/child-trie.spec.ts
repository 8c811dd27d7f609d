import fc from 'fast-check';
import { ChildTrieWriter, findChild, leavesOf, type ChildTrie } from './child-trie.js';
import type { Child } from './incident.js';

const child = (key: string, repeats = 0): Child => ({
  key,
  id: key,
  kind: 'alert',
  source: { type: 'canonical', system: 'test' },
  status: 'firing',
  severity: 'high',
  firstSeen: '2026-11-24T00:00:00.000Z',
  changedAt: '2026-11-24T00:00:00.000Z',
  repeats,
});

const contents = (trie: ChildTrie<Child>) =>
  leavesOf(trie)
    .flat()
    .map((c) => `${c.key}=${c.repeats}`)
    .sort();

type Step = { put: string; repeats: number } | { remove: string };

describe('child trie', () => {
  it('holds what a map would, and leaves every earlier trie as it was', () => {
    const key = fc.integer({ min: 0, max: 400 }).map((i) => `k${i}`);
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ put: key, repeats: fc.nat(9) }) },
      { weight: 1, arbitrary: fc.record({ remove: key }) },
    );
    // Several steps per writer, as one batch of children lands in one call.
    fc.assert(
      fc.property(fc.array(fc.array(step, { maxLength: 40 }), { maxLength: 30 }), (calls) => {
        let trie: ChildTrie<Child> = [];
        const model = new Map<string, number>();
        const history: Array<{ trie: ChildTrie<Child>; expected: string[] }> = [];
        for (const steps of calls) {
          const writer = new ChildTrieWriter<Child>(trie);
          for (const s of steps) {
            if ('put' in s) {
              const previous = writer.put(child(s.put, s.repeats));
              expect(previous?.repeats).toBe(model.get(s.put));
              model.set(s.put, s.repeats);
            } else {
              expect(writer.remove(s.remove)?.repeats).toBe(model.get(s.remove));
              model.delete(s.remove);
            }
          }
          trie = writer.finish();
          const expected = [...model].map(([k, r]) => `${k}=${r}`).sort();
          history.push({ trie, expected });
          expect(contents(trie)).toEqual(expected);
          for (const [k, r] of model) expect(findChild(trie, k)?.repeats).toBe(r);
          expect(findChild(trie, 'absent')).toBeUndefined();
        }
        for (const { trie: earlier, expected } of history) expect(contents(earlier)).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps a small incident in one leaf and splits a large one into leaves of at most 16', () => {
    const writer = new ChildTrieWriter<Child>([]);
    for (let i = 0; i < 16; i++) writer.put(child(`c${i}`));
    const small = writer.finish();
    expect(leavesOf(small)).toHaveLength(1);

    const more = new ChildTrieWriter<Child>(small);
    for (let i = 16; i < 5000; i++) more.put(child(`c${i}`));
    const large = more.finish();
    const leaves = leavesOf(large);
    expect(leaves.flat()).toHaveLength(5000);
    expect(Math.max(...leaves.map((leaf) => leaf.length))).toBeLessThanOrEqual(16);
    expect(findChild(large, 'c4999')?.key).toBe('c4999');
    // The small trie it started from is untouched.
    expect(leavesOf(small).flat()).toHaveLength(16);
  });

  it('reads a state with no children loaded (`{}` from a routing snapshot) as empty', () => {
    const unloaded = {} as unknown as ChildTrie<Child>;
    expect(findChild(unloaded, 'k')).toBeUndefined();
    expect(leavesOf(unloaded)).toEqual([]);
    const writer = new ChildTrieWriter<Child>(unloaded);
    writer.put(child('k'));
    expect(findChild(writer.finish(), 'k')?.key).toBe('k');
  });

  it('spreads keys built to share one FNV-1a hash under the published basis', () => {
    // A Joux multicollision, as a sender could build one: from the published basis, two blocks
    // that reach the same state, then two more from there, and so on; any choice of one block per
    // step gives the same hash, so 11 steps make 2^11 keys with one hash. The pairs were found by a
    // birthday search over 4-character blocks (minutes of CPU, so they are written out here).
    const step = (state: number, text: string) => {
      let hash = state;
      for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
      return hash >>> 0;
    };
    const pairs: Array<[string, string]> = [['d-xj', 'xFla']];
    while (pairs.length < 11) pairs.push(pairs.length % 2 === 1 ? ['dCxh', 'x2la'] : ['h1lj', 'DBxa']);
    let keys = [''];
    for (const pair of pairs) keys = keys.flatMap((key) => pair.map((block) => key + block));
    expect(new Set(keys.map((key) => step(0x811c9dc5, key))).size).toBe(1);

    const writer = new ChildTrieWriter<Child>([]);
    for (const key of keys) writer.put(child(key));
    const trie = writer.finish();
    const leaves = leavesOf(trie);
    expect(leaves.flat()).toHaveLength(keys.length);
    // With the published basis they all shared one leaf of 2,048.
    expect(Math.max(...leaves.map((leaf) => leaf.length))).toBeLessThanOrEqual(16);
    expect(findChild(trie, keys[1234])?.key).toBe(keys[1234]);
  });
});

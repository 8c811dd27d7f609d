/**
 * mulberry32: a small seeded generator of numbers in [0, 1), so generated workloads and test data
 * are the same on every run and a failing run can be repeated with the seed it prints. Shared by
 * the tests and the benchmarks; not for anything that needs unpredictability.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

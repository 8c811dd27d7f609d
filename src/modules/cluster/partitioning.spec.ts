import { fnv1a32, partitionOf, signatureHash, signatureToken } from './partitioning.js';

describe('partitionOf', () => {
  it('is FNV-1a 32 of the hash token, the function NATS partition() applies to a subject token', () => {
    // Reference vectors of FNV-1a 32 (the empty string is the offset basis).
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('gives a signature the same partition every time, within range', () => {
    const signature = 'alert|epic-adt|ERR-42|overlake';
    expect(signatureToken(signature)).toMatch(/^[0-9a-f]{16}$/);
    expect(partitionOf(signature, 64)).toBe(signatureHash(signature) % 64);
    expect(partitionOf(signature, 64)).toBe(partitionOf(signature, 64));
    expect(partitionOf(signature, 64)).toBeGreaterThanOrEqual(0);
    expect(partitionOf(signature, 64)).toBeLessThan(64);
  });

  it('spreads 500 signatures over every one of 64 partitions without a hot spot', () => {
    const counts = new Array<number>(64).fill(0);
    for (let i = 0; i < 500; i++) counts[partitionOf(`alert|system-${i}|E${i % 7}`, 64)] += 1;
    expect(Math.min(...counts)).toBeGreaterThan(0);
    // 500/64 ≈ 7.8 per partition; a hash that clustered would put far more in one.
    expect(Math.max(...counts)).toBeLessThan(25);
  });
});

import { planAssignment, quotaOf, type LeaseView } from './assignment.js';

const leases = (owners: Array<string | null>, valid = true): LeaseView[] => owners.map((owner, partition) => ({ partition, owner, epoch: 1, valid }));

describe('quotaOf', () => {
  it('splits 64 partitions over 3 instances as 22, 21, 21 and always sums to P', () => {
    const ids = ['b', 'a', 'c'];
    expect(ids.map((id) => quotaOf(id, ids, 64)).sort()).toEqual([21, 21, 22]);
    for (let n = 1; n <= 7; n++) {
      const many = Array.from({ length: n }, (_, i) => `i${i}`);
      expect(many.reduce((sum, id) => sum + quotaOf(id, many, 64), 0)).toBe(64);
    }
  });
});

describe('planAssignment', () => {
  it('given an empty table, a lone instance claims every partition (the single-instance fast path)', () => {
    const plan = planAssignment('a', ['a'], leases(new Array<null>(64).fill(null)));
    expect(plan.claim.sort((x, y) => x - y)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(plan.release).toEqual([]);
  });

  it('when a second instance joins, the holder of everything releases down to its quota and the newcomer steals nothing', () => {
    const table = leases(new Array<string>(64).fill('a'));
    const holder = planAssignment('a', ['a', 'b'], table);
    expect(holder.release).toHaveLength(32);
    expect(holder.claim).toEqual([]);
    const newcomer = planAssignment('b', ['a', 'b'], table);
    expect(newcomer.claim).toEqual([]);
  });

  it('takes over the expired leases of a dead instance, up to its new quota', () => {
    // Three instances held 22/21/21; c died: its leases expired and it left the live list.
    const table: LeaseView[] = Array.from({ length: 64 }, (_, p) => ({ partition: p, owner: ['a', 'b', 'c'][p % 3], epoch: 3, valid: p % 3 !== 2 }));
    const a = planAssignment('a', ['a', 'b'], table);
    const b = planAssignment('b', ['a', 'b'], table);
    expect(a.quota + b.quota).toBe(64);
    expect(a.claim.every((p) => p % 3 === 2)).toBe(true);
    expect(a.claim.length).toBe(a.quota - 22);
    expect(b.claim.length).toBe(b.quota - 21);
  });

  it('a zombie that lost its leases holds nothing valid, so it claims only what is free', () => {
    const table = leases(new Array<string>(64).fill('b'));
    const zombie = planAssignment('z', ['b', 'z'], table);
    expect(zombie.claim).toEqual([]);
    expect(zombie.release).toEqual([]);
  });
});

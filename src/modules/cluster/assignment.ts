/** A partition's lease as the lease table holds it, read at one instant. */
export interface LeaseView {
  partition: number;
  owner: string | null;
  epoch: number;
  /** Not yet expired at the instant it was read (by the database's clock). */
  valid: boolean;
}

export interface AssignmentPlan {
  /** How many partitions this instance should hold. */
  quota: number;
  claim: number[];
  release: number[];
}

/**
 * How many partitions each live instance should hold: ⌊P/N⌋, and one more for the first P mod N
 * instances in id order. Every instance computes the same answer from the same view.
 */
export function quotaOf(me: string, instances: readonly string[], partitions: number): number {
  const live = [...new Set([...instances, me])].sort();
  const rank = live.indexOf(me);
  return Math.floor(partitions / live.length) + (rank < partitions % live.length ? 1 : 0);
}

/**
 * One instance's next step towards a balanced assignment. It only ever takes partitions nobody
 * holds (free, or whose lease expired) and only ever gives up its own: an over-full instance
 * releases, an under-full one claims what was released or left by the dead. Nobody steals a live
 * lease, so two instances never fight over one partition. Which free partitions to try first is
 * spread by a hash of the instance id, so instances starting together mostly claim different ones.
 */
export function planAssignment(me: string, instances: readonly string[], leases: readonly LeaseView[]): AssignmentPlan {
  const quota = quotaOf(me, instances, leases.length);
  const held = leases.filter((l) => l.owner === me && l.valid).map((l) => l.partition);
  if (held.length > quota) {
    // Give up the highest-numbered first: deterministic, and it leaves low partitions where they are.
    return { quota, claim: [], release: [...held].sort((a, b) => b - a).slice(0, held.length - quota) };
  }
  const free = leases.filter((l) => l.owner === null || !l.valid).map((l) => l.partition);
  const order = (p: number) => spread(`${me}#${p}`);
  const claim = free.sort((a, b) => order(a) - order(b) || a - b).slice(0, quota - held.length);
  return { quota, claim, release: [] };
}

function spread(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

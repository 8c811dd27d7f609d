import { FencedError, type Fence, type Ownership } from '../../actors/ownership.js';
import { partitionOf, signatureHash, signatureToken } from './partitioning.js';

/**
 * What this instance believes it owns: partition → epoch of its lease, and until when that belief
 * holds without a renewal (epoch ms, a margin short of the lease's expiry in the database). A
 * paused process that wakes up past that instant owns nothing until a renewal says otherwise, so
 * it neither runs actors nor sends tickets on a stale belief; the database check in every commit
 * (the `fenced` part of PgActorStore's COMMIT_BATCH) is what makes that safe, this only avoids
 * wasted work. The instant lives in shared memory (`shared[0]`) because the lease renewer writes it
 * from its own thread. It is a fifth of a lease short of the earliest expiry among the leases held,
 * including one a renewal had to leave for its next tick (LeaseTable.renew).
 */
export class PartitionOwnership implements Ownership {
  private readonly epochs = new Map<number, number>();
  /** When each lease was added here (epoch ms): a renewal that started earlier could not have extended it. */
  private readonly since = new Map<number, number>();
  private readonly releasing = new Set<number>();
  /** [0]: the belief holds until (epoch ms); [1]: the main thread last seen (LeaseRenewer). */
  readonly shared = new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT);
  private readonly validUntil = new Float64Array(this.shared);

  constructor(
    readonly instanceId: string,
    readonly partitions: number,
    private readonly now: () => number = () => performance.timeOrigin + performance.now(),
  ) {}

  partitionOf(signature: string): number {
    return partitionOf(signature, this.partitions);
  }

  hashOf(signature: string): number {
    return signatureHash(signature);
  }

  addressOf(signature: string): { partition: number; token: string } {
    return { partition: this.partitionOf(signature), token: signatureToken(signature) };
  }

  get valid(): boolean {
    return this.now() < (this.validUntil[0] ?? 0);
  }

  /** Partitions whose actors run here now (held, not being handed off, belief still valid). */
  owned(): number[] {
    if (!this.valid) return [];
    return [...this.epochs.keys()].filter((p) => !this.releasing.has(p)).sort((a, b) => a - b);
  }

  /** Every lease held, with its epoch (handoffs included): what a renewal must find in the table. */
  held(): Map<number, number> {
    return new Map(this.epochs);
  }

  /** The single-instance fast path: every partition is here, nothing needs a second hop. */
  ownsAll(): boolean {
    return this.valid && this.epochs.size === this.partitions && this.releasing.size === 0;
  }

  isLocal(signature: string): boolean {
    const partition = this.partitionOf(signature);
    return this.valid && this.epochs.has(partition) && !this.releasing.has(partition);
  }

  fenceFor(signatures: readonly string[]): Fence {
    if (!this.valid) throw new FencedError('leases not renewed in time');
    const leases = new Map<number, number>();
    for (const signature of signatures) {
      const partition = this.partitionOf(signature);
      const epoch = this.epochs.get(partition);
      if (epoch === undefined) throw new FencedError(`partition ${partition} is not held here`);
      leases.set(partition, epoch);
    }
    return { owner: this.instanceId, leases: [...leases].map(([partition, epoch]) => ({ partition, epoch })) };
  }

  heldSince(partition: number): number {
    return this.since.get(partition) ?? Infinity;
  }

  add(partition: number, epoch: number): void {
    this.epochs.set(partition, epoch);
    this.since.set(partition, this.now());
    this.releasing.delete(partition);
  }

  /** Handoff begins: new work for these partitions goes to their next owner; commits already prepared may finish. */
  beginRelease(partitions: Iterable<number>): void {
    for (const p of partitions) if (this.epochs.has(p)) this.releasing.add(p);
  }

  remove(partitions: Iterable<number>): void {
    for (const p of partitions) {
      this.epochs.delete(p);
      this.since.delete(p);
      this.releasing.delete(p);
    }
  }
}

import type { Input } from '../correlation/inputs.js';

/** The leases a write transaction must still hold when it commits (the fencing tokens). */
export interface Fence {
  owner: string;
  leases: Array<{ partition: number; epoch: number }>;
}

/** A commit refused because this instance no longer owns (or never owned) a partition it touched. */
export class FencedError extends Error {
  constructor(detail: string) {
    super(`not the owner any more: ${detail}`);
    this.name = 'FencedError';
  }
}

/**
 * Which actors this instance may run and write, when several instances share the work
 * (src/modules/cluster). Without one, the runtime owns every actor and checks nothing: the
 * single-instance default.
 */
export interface Ownership {
  /** May this instance run the actor of `signature` now (partition held, not being handed off)? */
  isLocal(signature: string): boolean;
  /** The leases covering `signatures`, for the commit to prove; throws FencedError if one is not held. */
  fenceFor(signatures: readonly string[]): Fence;
  /** The unreduced partition hash stored with rows, so SQL can pick a partition's rows. */
  hashOf(signature: string): number;
  /** Where a message for `signature` is sent: its partition and the subject token naming it. */
  addressOf(signature: string): { partition: number; token: string };
}

/** A message decided here for an actor another instance owns, committed with the batch and sent on after. */
export interface Forward {
  signature: string;
  input: Input;
}

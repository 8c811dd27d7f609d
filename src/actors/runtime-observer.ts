import type { Input, Outcome } from '../correlation/inputs.js';
import type { JournalKind } from '../correlation/transition.js';

/**
 * What the runtime tells whoever watches it (metrics). Optional and synchronous: an observer must
 * not throw or block, because it runs on the path that answers HTTP callers and acks messages.
 */
export interface RuntimeObserver {
  /**
   * A batch committed; `millis` covers correlation and the transaction, from start to COMMIT;
   * `journaled` counts the journal entries it wrote by kind (incidents opened, children attached…).
   */
  batchCommitted(inputs: readonly Input[], outcomes: readonly Outcome[], millis: number, journaled: ReadonlyMap<JournalKind, number>): void;
  /** A batch failed and nothing of it was kept; its inputs will be retried or answered 503. */
  batchFailed(inputs: readonly Input[], millis: number): void;
}

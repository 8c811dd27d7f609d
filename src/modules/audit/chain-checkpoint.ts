import { appendFileSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ChainKeys } from '../../actors/chain-keys.js';
import { canonicalJson } from '../../actors/journal-chain.js';

/**
 * What the chains looked like at one moment, signed with the chain key and kept outside the
 * database (a file, and the log). A chain's newest rows have nothing after them to break, so
 * removing them leaves an intact chain; the latest checkpoint still names the audit head and the
 * journal's row count, and verify reports the rows gone (README "Audit trail").
 */
export interface ChainCheckpoint {
  v: 1;
  /** The database's clock when the heads were read: every journal row counted was recorded by then. */
  at: string;
  /** The newest audit row ('0' while the trail is empty) and its link. */
  audit: { lastId: string; headHash: string };
  /** Journal rows and chains (the sum and count of the actors' sequence numbers). */
  journal: { rows: string; chains: string };
}

export interface SignedCheckpoint extends ChainCheckpoint {
  signature: string;
}

export function signCheckpoint(keys: ChainKeys, checkpoint: ChainCheckpoint): SignedCheckpoint {
  return { ...checkpoint, signature: keys.sign(canonicalJson(checkpoint)) };
}

/** One JSON line per checkpoint, appended; only the owner may read or write the file. */
export function appendCheckpoint(file: string, checkpoint: SignedCheckpoint): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600 });
}

/** The latest checkpoint in the file, if its signature holds; a problem otherwise (none at all is not one). */
export function latestCheckpoint(file: string, keys: ChainKeys): { checkpoint: SignedCheckpoint | null; problem: string | null } {
  if (!existsSync(file)) return { checkpoint: null, problem: null };
  const line = lastLine(file);
  if (line === undefined) return { checkpoint: null, problem: null };
  try {
    const { signature, ...rest } = JSON.parse(line) as SignedCheckpoint;
    if (typeof signature === 'string' && rest.v === 1 && keys.signedByUs(canonicalJson(rest), signature)) return { checkpoint: { ...rest, signature }, problem: null };
  } catch {
    // reported below
  }
  return { checkpoint: null, problem: `the latest checkpoint in ${file} is not signed with the chain key (edited, or written by someone else)` };
}

/** The file only grows (a line a minute at most): read its tail, not all of it. */
function lastLine(file: string): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .at(-1);
  } finally {
    closeSync(fd);
  }
}

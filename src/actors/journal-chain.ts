import { createHash } from 'node:crypto';
import type { JournalEntry } from '../correlation/evolve.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedJournalRow extends JournalEntry {
  signature: string;
  seq: number;
  prevHash: string;
  rowHash: string;
}

/** JSON with sorted keys: the same row always hashes the same, whatever built the object. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** row_hash = sha256(prev_hash ‖ canonical row): altering or removing any row breaks every later link. */
export function chainRow(signature: string, seq: number, prevHash: string, entry: JournalEntry): ChainedJournalRow {
  const body = canonicalJson({ signature, seq, ...entry });
  const rowHash = createHash('sha256').update(prevHash).update(body).digest('hex');
  return { ...entry, signature, seq, prevHash, rowHash };
}

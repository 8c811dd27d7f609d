import type { JournalEntry } from '../correlation/transition.js';
import { legacyLink, type ChainKeys } from './chain-keys.js';
import { storedJson, storedText } from './stored-form.js';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedJournalRow extends JournalEntry {
  signature: string;
  seq: number;
  prevHash: string;
  rowHash: string;
}

/**
 * JSON with sorted keys: the same row always hashes the same, whatever built the object. Its
 * output is part of every stored hash, so it must never change: undefined members are left out,
 * an undefined array element becomes an empty slot (as `[a, undefined].map(…).join(',')` gives).
 * Written as loops because it runs for every journal row.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + (canonicalJson(value[i]) ?? '');
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  for (const key of sortedInPlace(Object.keys(record))) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(member)}`;
  }
  return `${out}}`;
}

/**
 * The same order as `Array.prototype.sort()` (UTF-16 code units), sorted where it stands: a row
 * has a dozen keys, and the built-in sort copies them into a scratch array first.
 */
function sortedInPlace(keys: string[]): string[] {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > key; j--) keys[j + 1] = keys[j];
    keys[j + 1] = key;
  }
  return keys;
}

/** The members a journal entry has, in canonical (sorted) order with the row's own two. */
const ENTRY_KEYS = new Set(['at', 'childKey', 'correlationId', 'data', 'incidentId', 'kind', 'rule']);

/**
 * `canonicalJson({ signature, seq, ...entry })` written out for the entry's known shape: its
 * members' order is fixed, so only `data` and `rule` need sorting. Any other shape (a member this
 * does not know, a required one missing) goes the general way; the bytes are the same either way.
 */
function canonicalRow(signature: string, seq: number, entry: JournalEntry): string {
  // A plain object only: inherited members are read by the destructuring below but not by a spread.
  if (Object.getPrototypeOf(entry) !== Object.prototype) return canonicalJson({ signature, seq, ...entry });
  for (const key in entry) if (!ENTRY_KEYS.has(key)) return canonicalJson({ signature, seq, ...entry });
  const { at, childKey, correlationId, data, incidentId, kind, rule } = entry;
  if (typeof signature !== 'string' || typeof seq !== 'number' || typeof at !== 'string' || typeof correlationId !== 'string' || typeof incidentId !== 'string' || typeof kind !== 'string' || data === undefined) {
    return canonicalJson({ signature, seq, ...entry });
  }
  return (
    `{"at":${JSON.stringify(at)}${childKey === undefined ? '' : `,"childKey":${canonicalJson(childKey)}`},"correlationId":${JSON.stringify(correlationId)}` +
    `,"data":${canonicalJson(data)},"incidentId":${JSON.stringify(incidentId)},"kind":${JSON.stringify(kind)}` +
    `${rule === undefined ? '' : `,"rule":${canonicalJson(rule)}`},"seq":${canonicalJson(seq)},"signature":${canonicalJson(signature)}}`
  );
}

/**
 * The entry as the journal's columns will hold it (see stored-form.ts): each text as PostgreSQL
 * stores it, `data` as `jsonb` reads back, `at` as a timestamptz read back into a Date prints, the
 * incident id as a uuid prints. The row written and the row hashed are this one object.
 */
export function storedEntry(entry: JournalEntry): JournalEntry {
  // Own members only, as a spread copies them: an inherited one is no column's value.
  const own = Object.getPrototypeOf(entry) === Object.prototype ? entry : { ...entry };
  const text = (value: string | undefined) => (typeof value === 'string' ? storedText(value) : value);
  const stored = {
    kind: text(own.kind),
    incidentId: text(own.incidentId)?.toLowerCase(),
    correlationId: text(own.correlationId),
    at: typeof own.at === 'string' ? storedAt(own.at) : own.at,
    data: storedJson(own.data),
  } as JournalEntry;
  if (own.childKey !== undefined) stored.childKey = text(own.childKey);
  if (own.rule !== undefined) stored.rule = { id: storedText(own.rule.id), version: own.rule.version };
  // A member no column holds is not stored; hashing it would make the row unverifiable.
  return stored;
}

function storedAt(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? storedText(at) : new Date(ms).toISOString();
}

/** The bytes a journal row is linked by: the canonical JSON of the row as it is stored. */
export function journalRowBody(signature: string, seq: number, stored: JournalEntry): string {
  return canonicalRow(storedText(signature), seq, stored);
}

/** row_hash = HMAC(chain key, prev_hash ‖ canonical stored row): altering or removing any row breaks every later link. */
export function chainRow(keys: ChainKeys, signature: string, seq: number, prevHash: string, entry: JournalEntry): ChainedJournalRow {
  const stored = storedEntry(entry);
  const rowHash = keys.link(prevHash, journalRowBody(signature, seq, stored));
  // Written out, not `{ ...entry, … }`: adding members to a spread copy gives V8 a dictionary-like
  // object of about 480 bytes instead of 120, and the rows of a batch live until its COMMIT, long
  // enough to be promoted: at 5,000 events/s they were a third of the old generation's garbage.
  return {
    kind: stored.kind,
    incidentId: stored.incidentId,
    childKey: stored.childKey,
    rule: stored.rule,
    correlationId: stored.correlationId,
    at: stored.at,
    data: stored.data,
    signature,
    seq,
    prevHash,
    rowHash,
  };
}

/** How rows written before the chains were keyed were linked: sha256 over the canonical row as read back. */
export function legacyJournalLink(signature: string, seq: number, prevHash: string, entry: JournalEntry): string {
  return legacyLink(prevHash, canonicalRow(signature, seq, entry));
}

import { hash } from 'node:crypto';
import { csvEvents } from './csv-rows.js';
import type { FileDropConfig } from './file-drop-config.js';
import { hl7TimeOf, splitHl7Batch, withStableIdentity } from './hl7-batch.js';

/** One message or row of a file, to take through the intake, and where it is in the file. */
export interface DropItem {
  /** `message 3 (line 12)`, `line 7`: how reports name it, since they may not quote it. */
  at: string;
  /** The line it starts or ends on, for listing refusals in file order. */
  line: number;
  body: unknown;
}

export interface Refusal {
  at: string;
  line: number;
  reason: string;
}

export type DropContent = { ok: true; source: 'hl7' | 'canonical'; items: DropItem[]; refused: Refusal[] } | { ok: false; reason: string };

/** A file as read from processing/: its bytes and when it was last written. */
export interface DropFileFacts {
  bytes: Uint8Array;
  mtimeMs: number;
}

/** SHA-256 of the file's bytes: what makes its identities (ids, fallback control ids) the same on every read. */
export function fileDigest(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex');
}

/**
 * What a dropped file holds, as items for the intake, or why it holds nothing corral can take.
 * Pure: the same bytes give the same items, which is what makes taking a file again harmless.
 */
export function contentOf(file: DropFileFacts, digest: string, drop: FileDropConfig): DropContent {
  // A byte that is not UTF-8 becomes U+FFFD, which the intake refuses per message with a reason
  // (README: set `encoding: latin1` for a sender that writes ISO 8859-1).
  const text = new TextDecoder(drop.encoding === 'latin1' ? 'latin1' : 'utf-8').decode(file.bytes);
  const defaults = { ...(drop.facility ? { facility: drop.facility } : {}), ...(drop.system ? { system: drop.system } : {}) };
  if (drop.format === 'csv') {
    if (!drop.csv) return { ok: false, reason: 'the drop has no csv mapping' };
    const read = csvEvents(text, drop.csv, { source: drop.name, fileDigest: digest, fileTime: new Date(file.mtimeMs).toISOString(), ...defaults });
    if (!read.ok) return read;
    return { ok: true, source: 'canonical', items: read.rows.map((r) => ({ at: `line ${r.line}`, line: r.line, body: r.event })), refused: read.refused.map((r) => ({ at: `line ${r.line}`, line: r.line, reason: r.reason })) };
  }
  const batch = splitHl7Batch(text);
  if (batch.messages.length === 0) {
    return { ok: false, reason: 'no HL7 message in the file: no line starts with MSH. This folder takes HL7 v2 text: batch files (FHS/BHS … BTS/FTS) or files of consecutive messages' };
  }
  const messages = withStableIdentity(batch.messages, { fileDigest: digest, fileTime: hl7TimeOf(file.mtimeMs), ...defaults });
  // One message per item: the hl7 adapter refuses a body of several messages whole for one bad
  // message, and here each is refused alone, by its place in the file.
  return {
    ok: true,
    source: 'hl7',
    items: messages.map((m, i) => ({ at: `message ${i + 1} (line ${m.line})`, line: m.line, body: m.text })),
    refused: batch.stray.map((line) => ({ at: `line ${line}`, line, reason: 'not part of any message: it comes before the first MSH segment' })),
  };
}

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * What the journal keeps of each decision is split in two. Codes, counts, ids and the members other
 * code reads with SQL stay in the clear; every other member of a row's `data` (the title, an
 * agent's note, the requester tokens told on resolve, and anything added later that is not listed
 * here) is sealed under the incident's data key. Default-deny: a new member is forgettable until
 * someone decides it is a code and adds it to this list.
 *
 * `by` stays in the clear on purpose: who acted on an incident is the audit record itself
 * (GET /v1/audit reads it), and the audit trail outlives the incident's text. `request` and `reason`
 * are read by the command service's SQL.
 */
export const CLEAR_MEMBERS: ReadonlySet<string> = new Set([
  'severity', 'system', 'origin', 'episode', 'queue', 'until', 'priority', 'status', 'kind', 'score', 'repeats',
  'to', 'enrichment', 'was', 'reason', 'by', 'verb', 'into', 'children', 'split', 'request', 'from', 'changes',
  'within', 'step', 'of', 'after', 'absorbed', 'parent', 'suggestion',
]);

/** The member of `data` that holds the sealed ones. */
export const SEALED = 'sealed';
/** Shown in place of a sealed member whose key was destroyed. */
export const FORGOTTEN = '[forgotten]';
/** Shown in place of a sealed member that cannot be opened with the key at hand (another master key). */
export const UNREADABLE = '[unreadable]';

export interface SealedMembers {
  /** The data key's id (journal_key.id). */
  key: string;
  /** Names of the sealed members, in the clear: the timeline can say which ones were forgotten. */
  fields: string[];
  /** base64 of nonce (12 bytes) ‖ AES-256-GCM ciphertext of the members as JSON ‖ tag (16 bytes). */
  box: string;
}

const NONCE = 12;
const TAG = 16;

/**
 * AES-256-GCM under `key`, bound to the incident (additional data) so a box cannot be moved to
 * another incident's row unnoticed. The nonce is the caller's: a counter per key is unique and
 * costs nothing, where randomBytes per row would cost a system call's worth.
 */
export function seal(key: Buffer, nonce: Buffer, incidentId: string, plaintext: string): string {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(incidentId));
  const body = Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return body.toString('base64');
}

/** The plaintext of a box, or undefined when the key is not the one it was sealed with. */
export function open(key: Buffer, incidentId: string, box: string): string | undefined {
  const body = Buffer.from(box, 'base64');
  if (body.length < NONCE + TAG) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, NONCE));
    decipher.setAAD(Buffer.from(incidentId));
    decipher.setAuthTag(body.subarray(body.length - TAG));
    return Buffer.concat([decipher.update(body.subarray(NONCE, body.length - TAG)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * The key that wraps the data keys: CORRAL_JOURNAL_KEY when set, else derived from
 * CORRAL_TOKEN_KEY (HKDF, its own label, so the token key itself never encrypts anything). Not in
 * the database: a dump alone cannot open the journal's sealed text.
 */
export class MasterKey {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'corral', 'journal data key wrap v1', 32));
  }

  /** A fresh data key and its wrapped form (bound to its id and incident). */
  newDataKey(id: string, incidentId: string): { key: Buffer; wrapped: Buffer } {
    const key = randomBytes(32);
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(`${id}/${incidentId}`));
    return { key, wrapped: Buffer.concat([nonce, cipher.update(key), cipher.final(), cipher.getAuthTag()]) };
  }

  unwrap(id: string, incidentId: string, wrapped: Buffer): Buffer | undefined {
    if (wrapped.length !== NONCE + 32 + TAG) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, wrapped.subarray(0, NONCE));
      decipher.setAAD(Buffer.from(`${id}/${incidentId}`));
      decipher.setAuthTag(wrapped.subarray(NONCE + 32));
      return Buffer.concat([decipher.update(wrapped.subarray(NONCE, NONCE + 32)), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}

/**
 * A stored row's data as a reader sees it: sealed members opened with `keys` (data key id → key;
 * null for a destroyed key), or each shown as FORGOTTEN when its key was destroyed (UNREADABLE when
 * it is missing or does not open the box: another master key). Rows written before sealing existed
 * have no sealed member and come back as they are.
 */
export function openData(data: Record<string, unknown>, incidentId: string, keys: ReadonlyMap<string, Buffer | null>): Record<string, unknown> {
  const sealed = data[SEALED] as SealedMembers | undefined;
  if (sealed === undefined || typeof sealed !== 'object' || !Array.isArray(sealed.fields)) return data;
  const { [SEALED]: _, ...clear } = data;
  const key = keys.get(sealed.key);
  const text = key ? open(key, incidentId, sealed.box) : undefined;
  if (text !== undefined) return { ...clear, ...(JSON.parse(text) as Record<string, unknown>) };
  const shown = key === null ? FORGOTTEN : UNREADABLE;
  return { ...clear, ...Object.fromEntries(sealed.fields.map((field) => [field, shown])) };
}

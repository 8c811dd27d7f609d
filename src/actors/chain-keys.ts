import { createHmac, createSecretKey, hash, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * The secret the journal and audit chains are keyed with (README "Audit trail"). It is never in the
 * database: whoever can INSERT rows (the app's own role) can compute a sha256 but not this HMAC, so
 * a forged row cannot carry a valid link. New rows are linked with the current key; retired keys
 * stay to verify the rows they linked (rotation without re-chaining).
 */
export class ChainKeys {
  private readonly keys: KeyObject[];

  /** `secrets[0]` is the current key, the rest retired ones, newest first. */
  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('the chains need at least one key');
    this.keys = secrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8')));
  }

  /** row_hash = HMAC-SHA256(key, prev_hash ‖ canonical stored row). */
  link(prevHash: string, body: string): string {
    return createHmac('sha256', this.keys[0]).update(prevHash).update(body).digest('hex');
  }

  /** Whether `rowHash` is the link of this row under the current key or a retired one. */
  holds(prevHash: string, body: string, rowHash: string): boolean {
    return this.keys.some((key) => sameHex(createHmac('sha256', key).update(prevHash).update(body).digest('hex'), rowHash));
  }

  /** A checkpoint's signature; the prefix keeps it from ever being mistaken for a row's link. */
  sign(text: string): string {
    return createHmac('sha256', this.keys[0]).update('corral-checkpoint\n').update(text).digest('hex');
  }

  signedByUs(text: string, signature: string): boolean {
    return this.keys.some((key) => sameHex(createHmac('sha256', key).update('corral-checkpoint\n').update(text).digest('hex'), signature));
  }
}

/** The link rows written before the chains were keyed carry: sha256(prev_hash ‖ canonical row). */
export function legacyLink(prevHash: string, body: string): string {
  return hash('sha256', prevHash + body, 'hex');
}

function sameHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

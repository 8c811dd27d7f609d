import { legacyLink, type ChainKeys } from '../../actors/chain-keys.js';
import { canonicalJson, GENESIS_HASH } from '../../actors/journal-chain.js';
import { storedJson } from '../../actors/stored-form.js';

export { GENESIS_HASH };

/** An audit row's content: everything but the links of the chain. */
export interface AuditContent {
  id: string;
  recordedAt: string;
  actor: string;
  actorKind: string;
  role: string | null;
  action: string;
  target: string | null;
  ruleId: string | null;
  outcome: 0 | 4 | 8 | 12;
  correlationId: string;
  detail: Record<string, unknown>;
}

/**
 * The row as PostgreSQL will store and return it (see stored-form.ts): the trail writes exactly
 * this and links exactly this, so no input can make a freshly written row read back as altered.
 */
export function storedAuditContent(content: AuditContent): AuditContent {
  return storedJson(content) as AuditContent;
}

/** row_hash = HMAC(chain key, prev_hash ‖ canonical stored row), over one chain for the whole table. */
export function auditLink(keys: ChainKeys, prevHash: string, stored: AuditContent): string {
  return keys.link(prevHash, canonicalJson(stored));
}

export function auditLinkHolds(keys: ChainKeys, prevHash: string, stored: AuditContent, rowHash: string): boolean {
  return keys.holds(prevHash, canonicalJson(stored), rowHash);
}

/** How rows written before the chain was keyed were linked: sha256(prev_hash ‖ canonical row). */
export function legacyAuditLink(prevHash: string, content: AuditContent): string {
  return legacyLink(prevHash, canonicalJson(content));
}

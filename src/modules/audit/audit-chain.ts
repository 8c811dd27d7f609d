import { createHash } from 'node:crypto';
import { canonicalJson, GENESIS_HASH } from '../../actors/journal-chain.js';

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

/** row_hash = sha256(prev_hash ‖ canonical row), the journal's rule, over one chain for the whole table. */
export function auditRowHash(prevHash: string, content: AuditContent): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(content)).digest('hex');
}

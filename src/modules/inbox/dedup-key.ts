import { hash } from 'node:crypto';
import type { CanonicalEvent } from '../../correlation/canonical-event.js';

/**
 * The inbox's notion of an exact resend: the same source system saying the same thing about the
 * same id at the same instant, about the same system and problem (a webhook retried after a
 * timeout, Alertmanager repeating a firing alert every repeat_interval, a NATS message redelivered
 * after its ack was lost). The affected system, facility, error signature and symptom are part of
 * it because senders reuse ids across the systems they watch (a per-system sequence number): two
 * such events are different children of different incidents, not one event sent twice. A digest
 * rather than the text: the key is indexed, and senders choose ids of any length. 128 bits of
 * SHA-256, written as a uuid so PostgreSQL indexes 16 bytes.
 */
export function dedupKey(
  event: Pick<CanonicalEvent, 'id' | 'status' | 'occurredAt'> & { source: { system: string } } & Partial<Pick<CanonicalEvent, 'system' | 'facility' | 'errorSignature' | 'symptom'>>,
): string {
  // NUL separates the parts: no part can contain one (admission refuses control characters), so
  // ('a', 'b|c') and ('a|b', 'c') never meet.
  return digestKey(
    `${event.source.system}\0${event.id}\0${event.status}\0${event.occurredAt}\0${event.system ?? ''}\0${event.facility ?? ''}\0${event.errorSignature ?? ''}\0${event.symptom ?? ''}`,
  );
}

/** 128 bits of SHA-256 of `text`, written as a uuid: the form of every inbox key. */
export function digestKey(text: string): string {
  // One-shot: a Hash object per event cost three times as much as the digest itself.
  const hex = hash('sha256', text, 'hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

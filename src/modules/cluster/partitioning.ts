import { createHash } from 'node:crypto';

/**
 * Which partition a signature belongs to. Signatures hold characters a NATS subject token cannot
 * (`|`, spaces), so the subject carries a hash token of the signature instead: the first 16 hex
 * digits of its SHA-256. The partition is FNV-1a (32 bit) of that token modulo the partition count,
 * which is exactly what a NATS account mapping `{{partition(P,1)}}` computes for the same token
 * (nats-server 2.8+, checked against 2.9 by test/cluster-mapping.test.ts): a producer that only
 * knows the hash token can publish to `corral.sigkey.<token>` and the server files it under the
 * partition corral itself uses.
 */
export function signatureToken(signature: string): string {
  return createHash('sha256').update(signature).digest('hex').slice(0, 16);
}

/** FNV-1a, 32 bit, over the UTF-8 bytes (nats-server's `partition` transform uses hash/fnv New32a). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The unreduced hash kept beside snapshots and outbox rows, so SQL can select a partition with `% P`. */
export function signatureHash(signature: string): number {
  return fnv1a32(signatureToken(signature));
}

export function partitionOf(signature: string, partitions: number): number {
  return signatureHash(signature) % partitions;
}

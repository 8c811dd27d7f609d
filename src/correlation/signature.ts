import type { CanonicalEvent } from './canonical-event.js';

// Volatile parts of symptom text (counts, ids, hosts, times) change between two reports of the same
// problem; without normalising them every alert would be its own incident.
const VOLATILE: ReadonlyArray<readonly [RegExp, string]> = [
  [/<[a-z]+>/g, ' '],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, ' '],
  [/\b\d{4}-\d{2}-\d{2}([t ][\d:.]+(z|[+-]\d{2}:?\d{2})?)?\b/g, ' '],
  [/\b\d{1,2}:\d{2}(:\d{2})?\b/g, ' '],
  [/\b(\d{1,3}\.){3}\d{1,3}(:\d+)?\b/g, ' '],
  [/\b([a-z0-9-]+\.)+(local|lan|internal|org|com|net|corp)\b/g, ' '],
  [/\b0x[0-9a-f]+\b/g, ' '],
  [/\b[0-9a-f]{12,}\b/g, ' '],
  [/\b[a-z]*\d+[a-z\d]*\b/g, ' '],
  [/[^a-z ]+/g, ' '],
];

export function normalizeSymptom(symptom: string): string {
  let out = symptom.toLowerCase();
  for (const [pattern, replacement] of VOLATILE) out = out.replace(pattern, replacement);
  return out.split(/\s+/).filter(Boolean).join(' ');
}

/**
 * The actor id: one live incident per signature. Default rule (issue 3 makes it declarative):
 * system + (errorSignature, else the normalised symptom) + facility.
 */
export function signatureOf(
  event: Pick<CanonicalEvent, 'system' | 'errorSignature' | 'symptom' | 'facility'>,
): string {
  const problem = event.errorSignature?.trim() || normalizeSymptom(event.symptom);
  return [event.system, problem, event.facility ?? '*'].map((part) => part.toLowerCase()).join('|');
}

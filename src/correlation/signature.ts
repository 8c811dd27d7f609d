import { createHash } from 'node:crypto';
import type { CanonicalEvent } from './canonical-event.js';
import { problemClassOf, systemRule, type ProblemRule } from './names.js';
import { FALLBACK_SIGNATURE, matches, type RuleSet, type SignatureField, type SignatureRule } from './rules.js';

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

type SignatureInput = Pick<CanonicalEvent, 'system' | 'errorSignature' | 'symptom' | 'facility' | 'department' | 'kind' | 'source' | 'requester'>;

function field(event: SignatureInput, name: SignatureField, shared: boolean, problem: ProblemRule | undefined): string {
  switch (name) {
    case 'system':
      // A class the rules make one incident across systems (a patient's record) names no system.
      return problem?.acrossSystems ? '*' : event.system;
    case 'facility':
      // A shared system (an EHR, SSO, the interface engine) is one incident wherever it is seen;
      // each child keeps its own facility, so the blast radius still shows every one.
      return shared ? '*' : (event.facility ?? '*');
    case 'department':
      return event.department ?? '*';
    case 'errorSignature':
      return event.errorSignature?.trim() || '*';
    case 'symptom':
      return normalizeSymptom(event.symptom);
    case 'problem':
      // A problem the rules class (the system unavailable, whatever each sender calls it) is that class.
      return problem ? `~${problem.class}` : event.errorSignature?.trim() || normalizeSymptom(event.symptom);
    case 'source':
      return `${event.source.type}:${event.source.system}`;
    case 'kind':
      return event.kind;
    case 'person':
      return personOf(event.requester?.token);
    default:
      throw new Error(`unknown signature field ${String(name)}`);
  }
}

/**
 * The `person` field: which account an event is about, as a short digest of its requester token
 * (itself an HMAC under the deployment's key), so one person's lockout is not another's. A digest,
 * not the token: signatures are shown where requester tokens are not (incident lists, the journal),
 * and 64 bits keep two accounts apart among any number of live incidents.
 */
export function personOf(token: string | undefined): string {
  return token ? `p${createHash('sha256').update(token).digest('hex').slice(0, 16)}` : '*';
}

/**
 * The actor id: one live incident per signature. The first signature rule that matches the event
 * says which fields form it; without one, system + (errorSignature, else the normalised symptom) +
 * facility.
 */
export function signatureWith(event: SignatureInput, rules?: RuleSet): { signature: string; rule: SignatureRule } {
  const rule = rules?.signatures.find((candidate) => matches(candidate.match, event)) ?? FALLBACK_SIGNATURE;
  const shared = rules !== undefined && systemRule(rules.lexicon, event.system)?.scope === 'shared';
  // The problem class is read once: the system and problem fields both depend on it.
  const problem = rules && (rule.fields.includes('problem') || rule.fields.includes('system')) ? problemClassOf(rules.lexicon, event) : undefined;
  return { signature: rule.fields.map((name) => field(event, name, shared, problem).toLowerCase()).join('|'), rule };
}

export function signatureOf(event: SignatureInput, rules?: RuleSet): string {
  return signatureWith(event, rules).signature;
}

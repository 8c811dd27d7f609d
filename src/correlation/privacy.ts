import type { CanonicalEvent, EventSource, Requester } from './canonical-event.js';
import type { Command } from './commands.js';
import { hmacSha256 } from './hmac.js';
import { requesterToken } from './requester-token.js';
import { scrubText } from './scrub.js';

// Privacy field by field. Every field of the canonical event has exactly one treatment in the
// table below, and every event — from /v1/events, from a native route, from NATS — passes through
// `protect` after it was built and before anything keeps, logs or sends it. A field added to
// CanonicalEvent without a row here does not compile. README "Privacy, field by field" is this
// table in words.

export type Treatment =
  /** One of a fixed set of words (kind, status, severity, source type), checked when parsed. */
  | 'closed'
  /** Made or rewritten by corral itself: timestamps as ISO instants, booleans, directory context. */
  | 'corral'
  /**
   * A code: an organisation, system or account name such as `epic-adt`, `overlake`, `ED`. Text
   * that does not look like one (spaces, signs of an identifier) is refused on the canonical route
   * and replaced by a keyed token on native routes, where corral, not the sender, picked the field.
   */
  | 'code'
  /** Only ever compared (dedup, resolve by id): a keyed HMAC, stable, never the value. */
  | 'token'
  /** A workforce identity: its requester token (`rt_…`). */
  | 'requester'
  /** Free text: scrubbed of identifiers. */
  | 'text'
  /** Label map: keys are codes, values free text. */
  | 'labels';

type Policy<T> = { readonly [K in keyof Required<T>]: Treatment | Policy<Required<T>[K]> };

export const SOURCE_POLICY: Policy<EventSource> = { type: 'closed', system: 'code', instance: 'code' };
export const REQUESTER_POLICY: Policy<Requester> = { token: 'requester', role: 'code', department: 'code' };

export const EVENT_POLICY: Policy<CanonicalEvent> = {
  id: 'token',
  schemaVersion: 'closed',
  kind: 'closed',
  source: SOURCE_POLICY,
  occurredAt: 'corral',
  receivedAt: 'corral',
  status: 'closed',
  severity: 'closed',
  system: 'code',
  facility: 'code',
  department: 'code',
  location: 'text',
  symptom: 'text',
  errorSignature: 'text',
  requester: REQUESTER_POLICY,
  patientImpact: 'corral',
  labels: 'labels',
  correlationId: 'code',
  context: 'corral',
};

/**
 * A code: starts with a letter or digit, then letters, digits and `. _ : @ / # + -`, at most 128
 * characters, no spaces. `epic-adt Smith John` is not one.
 */
export const CODE = /^[A-Za-z0-9][A-Za-z0-9._:@/#+-]{0,127}$/;
// Codes are machine names, so ids and UUIDs in them are expected; anything else the scrubber would
// take out of a code (an SSN, an MRN label, a phone or a long bare number) means it is not one.
const MACHINE_SHAPES = /\[redacted:(?:uuid|id)\]/g;

export function isCode(value: string): boolean {
  return CODE.test(value) && !scrubText(value).replace(MACHINE_SHAPES, '').includes('[redacted:');
}

/** What a native route keeps of a code field that is not a code: `x-` and 16 hex digits of its keyed HMAC. */
export function codeToken(key: string, value: string): string {
  return `x-${hmacSha256(key, `code\u0000${value}`, 'hex').slice(0, 16)}`;
}

const EVENT_ID_TOKEN = /^ev_[A-Za-z0-9_-]{22}$/;

/**
 * The id corral keeps for a source's event id (a dedup key, a fingerprint, an HL7 control id, a
 * ticket number): a keyed HMAC, so a repeat and a resolve still find their child and nothing of
 * the id itself is kept. Idempotent.
 */
export function eventIdToken(key: string, id: string): string {
  if (EVENT_ID_TOKEN.test(id)) return id;
  return `ev_${hmacSha256(key, `id\u0000${id}`, 'base64url').slice(0, 22)}`;
}

/** Canonical producers are told; native routes, whose fields corral picked, get tokens instead. */
export type OnBadCode = 'refuse' | 'tokenize';

export type Protected = { ok: true; event: CanonicalEvent } | { ok: false; field: string; problem: string };

class Refused extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/**
 * What one request already worked out, so that a value its events repeat (the sender's system, a
 * facility, a label value, a resend's id) is tokenized or scrubbed once per request, not once per
 * event. Made per request and dropped with it: nothing outlives the request that brought it.
 */
export class PrivacyMemo {
  /** By how a bad code is treated: what one mode kept, the other may have to refuse. */
  readonly codes: Record<OnBadCode, Map<string, string>> = { refuse: new Map(), tokenize: new Map() };
  readonly ids = new Map<string, string>();
  readonly texts = new Map<string, string>();
}

/** Applies the table to one event. Pure; the key is CORRAL_TOKEN_KEY; `memo` is the request's, if it has one. */
export function protect(event: CanonicalEvent, key: string, onBadCode: OnBadCode, memo?: PrivacyMemo): Protected {
  try {
    return { ok: true, event: apply(EVENT_POLICY, event as unknown as Record<string, unknown>, '', key, onBadCode, memo) as unknown as CanonicalEvent };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, field: error.field, problem: error.problem };
    throw error;
  }
}

function apply(policy: Policy<unknown>, value: Record<string, unknown>, prefix: string, key: string, onBadCode: OnBadCode, memo: PrivacyMemo | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // A loop over the keys, not Object.entries: this runs for every event, and the entry arrays were
  // a good part of its cost.
  for (const name in value) {
    if (!Object.hasOwn(value, name)) continue;
    const inner = value[name];
    const treatment = (policy as Record<string, Treatment | Policy<unknown> | undefined>)[name];
    // A field the table does not know is dropped: nothing unreviewed passes.
    if (treatment === undefined || inner === undefined) continue;
    out[name] =
      typeof treatment === 'object'
        ? apply(treatment, inner as Record<string, unknown>, `${prefix}${name}.`, key, onBadCode, memo)
        : treat(treatment, inner, prefix, name, key, onBadCode, memo);
  }
  return out;
}

function treat(treatment: Treatment, value: unknown, prefix: string, name: string, key: string, onBadCode: OnBadCode, memo: PrivacyMemo | undefined): unknown {
  switch (treatment) {
    case 'closed':
    case 'corral':
      return value;
    case 'code':
      return memoCode(String(value), `${prefix}${name}`, key, onBadCode, memo);
    case 'token': {
      const id = String(value);
      // A control character in an id is a broken sender: admission refuses it, naming the field.
      if (CONTROL.test(id)) return value;
      if (!memo) return eventIdToken(key, id);
      let token = memo.ids.get(id);
      if (token === undefined) memo.ids.set(id, (token = eventIdToken(key, id)));
      return token;
    }
    case 'requester':
      return requesterToken(key, String(value));
    case 'text':
      return memoText(String(value), memo);
    case 'labels': {
      const labels = value as Record<string, string>;
      const out: Record<string, string> = {};
      for (const label in labels) {
        if (!Object.hasOwn(labels, label)) continue;
        // The refusal names the map, not the key: a key that is not a code may be what must not be echoed.
        out[memoCode(label, `${prefix}${name} (a key)`, key, onBadCode, memo)] = memoText(labels[label], memo);
      }
      return out;
    }
    default:
      return assertNever(treatment);
  }
}

function memoText(text: string, memo: PrivacyMemo | undefined): string {
  if (!memo) return scrubText(text);
  let scrubbed = memo.texts.get(text);
  if (scrubbed === undefined) memo.texts.set(text, (scrubbed = scrubText(text)));
  return scrubbed;
}

/** A refusal is never remembered: it throws, naming this field, each time. */
function memoCode(value: string, field: string, key: string, onBadCode: OnBadCode, memo: PrivacyMemo | undefined): string {
  if (!memo) return code(value, field, key, onBadCode);
  const codes = memo.codes[onBadCode];
  let kept = codes.get(value);
  if (kept === undefined) codes.set(value, (kept = code(value, field, key, onBadCode)));
  return kept;
}

// Control characters in codes and ids are refused by admission (src/modules/ingest/admission.ts),
// which runs after this table and names the field; a token would hide them. Exactly the characters
// admission refuses (unicode.ts holdsControl), no more: TAB, LF and CR it lets through, so a code or
// an id holding one must be treated here like any other, or it would be kept as it came ("MRN<TAB>
// 7654321" as an event id, "Smith<TAB>John" as a system). privacy.spec.ts holds the two sets equal.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Whether admission will refuse `value` for its control characters (then this table leaves it as it is). */
export function leftToAdmission(value: string): boolean {
  return CONTROL.test(value);
}

function code(value: string, field: string, key: string, onBadCode: OnBadCode): string {
  const trimmed = value.trim();
  if (isCode(trimmed) || CONTROL.test(value)) return CONTROL.test(value) ? value : trimmed;
  if (onBadCode === 'refuse') {
    throw new Refused(field, 'must be a code (letters, digits and . _ : @ / # + -, no spaces, up to 128 characters) that holds no personal identifier');
  }
  return codeToken(key, trimmed);
}

function assertNever(value: never): never {
  throw new Error(`no privacy treatment ${String(value)}`);
}

/**
 * Commands enter the append-only journal: a note is free text and is scrubbed like a report; `by`
 * was checked to be an account code where it entered (the DTOs); children named by a source's own
 * id are looked up by the token that id was kept under (a child key, `system|id`, is already one).
 */
export function protectCommand(command: Command, key: string): Command {
  const note = 'note' in command && command.note !== undefined ? { note: scrubText(command.note) } : {};
  const children = command.verb === 'split' ? { children: command.children.map((id) => (id.includes('|') ? id : eventIdToken(key, id))) } : {};
  return { ...command, ...note, ...children };
}

import { assertNever } from './assert-never.js';
import type { CanonicalEvent, EventSource, Requester } from './canonical-event.js';
import type { Command } from './messages.js';
import { HmacSha256, hmacSha256 } from './hmac.js';
import { requesterToken } from './requester-token.js';
import { scrubText, type CleanTexts } from './scrub.js';

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
  /**
   * A code that may be a FHIR logical id the directory is asked by (a facility, a department):
   * treated as a code, except that a bare UUID is kept here where a `code` field on a native route
   * makes it a token. A bare id of another shape (a licence, a passport: `S99993907`) is still one.
   */
  | 'directory'
  /** A code that may be nothing but one id of any shape: a trace id (`correlationId`). */
  | 'reference'
  /** Only ever compared (dedup, resolve by id): a keyed HMAC, stable, never the value. */
  | 'token'
  /** A workforce identity: its requester token (`rt_…`). */
  | 'requester'
  /** Free text: scrubbed of identifiers. */
  | 'text'
  /**
   * Label map: keys are codes; values are codes too (with no identifier in them at all), and one
   * that is not (a phrase, an address, a bare UUID) becomes a keyed token on every route, never
   * refused: labels are routing and grouping words, and `Carolee951 Sanford861` under `instance` is
   * a patient's name no scrubber can tell from two words. HL7 message types and error locations
   * (`ACK^V04^ACK`, `PID^1^3`) count as codes.
   */
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
  facility: 'directory',
  department: 'directory',
  location: 'text',
  symptom: 'text',
  errorSignature: 'text',
  requester: REQUESTER_POLICY,
  patientImpact: 'corral',
  labels: 'labels',
  correlationId: 'reference',
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

export function isCode(value: string, clean?: CleanTexts): boolean {
  return CODE.test(value) && !scrubText(value, clean).replace(MACHINE_SHAPES, '').includes('[redacted:');
}

// HL7 v2 joins a message type's parts ("ACK^V04^ACK", "ADT^A01^ADT_A01") and an error location's
// ("PID^1^3") with `^`, which no code holds. In these two shapes the parts are table codes and
// numbers; a name in HL7's own form ("SANFORD^CAROLEE") has neither.
const HL7_SHAPED = /^(?:[A-Z]{3}\^[A-Z]\d{2}(?:\^[A-Z]{3}(?:_[A-Z]\d{2})?)?|[A-Z][A-Z0-9]{2}(?:\^\d{1,4}){1,4})$/;

/**
 * A label value corral keeps as it came: a code in which the scrubber finds nothing at all, or an
 * HL7 message type or error location. Stricter than a code field, which may hold a UUID or an id:
 * a label value of nothing but one (`instance: d88f994a-…`) is as likely a Synthea MRN or a
 * licence number as a host's id, and labels were scrubbed of both before they were codes.
 */
export function isLabelCode(value: string, clean?: CleanTexts): boolean {
  return HL7_SHAPED.test(value) || (CODE.test(value) && !scrubText(value, clean).includes('[redacted:'));
}

const CODE_TOKEN = /^x-[0-9a-f]{16}$/;

/** What a native route keeps of a code field that is not a code: `x-` and 16 hex digits of its keyed HMAC. */
export function codeToken(key: string | HmacSha256, value: string): string {
  return `x-${hmacSha256(key, `code\u0000${value}`, 'hex').slice(0, 16)}`;
}

const EVENT_ID_TOKEN = /^ev_[A-Za-z0-9_-]{22}$/;

/**
 * The id corral keeps for a source's event id (a dedup key, a fingerprint, an HL7 control id, a
 * ticket number): a keyed HMAC, so a repeat and a resolve still find their child and nothing of
 * the id itself is kept. Idempotent.
 */
export function eventIdToken(key: string | HmacSha256, id: string): string {
  if (EVENT_ID_TOKEN.test(id)) return id;
  return `ev_${hmacSha256(key, `id\u0000${id}`, 'base64url').slice(0, 22)}`;
}

/** Canonical producers are told; native routes, whose fields corral picked, get tokens instead. */
export type OnBadCode = 'refuse' | 'tokenize';

/**
 * How a value is judged: refused or tokenized when not a code; on a native route, a code field
 * that is one bare id tokenized too (`nativeCode`), a directory field that is one bare id other
 * than a UUID (`nativeDirectory`); a label value tokenized unless a code with no identifier in it
 * at all (`labelValue`); a helpdesk's record key (`labels.helpdeskTicket`) kept when it has the
 * shape of one, else tokenized (`recordKey`).
 */
type CodeMode = OnBadCode | 'nativeCode' | 'nativeDirectory' | 'labelValue' | 'recordKey';

/**
 * A helpdesk's own record key, the shapes the connectors link by: an RT ticket number, a
 * ServiceNow number (`INC0012345`) or sys_id, a Jira issue key (`OPS-123`). The scrubber would take
 * a long number for an identifier, so the label value check keeps none of them; under the label a
 * report from a named helpdesk puts its own id in (helpdesk.ts), the shape is what decides.
 */
export const HELPDESK_RECORD_KEY = /^(?:\d{1,12}|[A-Z]{2,8}\d{5,12}|[0-9a-f]{32}|[A-Z][A-Z0-9_]{0,9}-\d{1,9})$/;

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
  /** By how a bad code is treated: what one mode kept, the other may have to refuse; label values apart. */
  readonly codes: Record<CodeMode, Map<string, string>> = { refuse: new Map(), tokenize: new Map(), nativeCode: new Map(), nativeDirectory: new Map(), labelValue: new Map(), recordKey: new Map() };
  readonly ids = new Map<string, string>();
  readonly texts = new Map<string, string>();
  /**
   * `clean`: the texts its owner's scrubbing found clean before (scrub.ts CleanTexts), if it keeps
   * them; `hmac`: the token key made ready, if its owner holds one.
   */
  constructor(
    readonly clean?: CleanTexts,
    private hmac?: HmacSha256,
  ) {}

  /** The token key made ready once for the request's tokens (its pads cost more than a token). */
  signer(key: string): HmacSha256 {
    if (this.hmac?.key !== key) this.hmac = new HmacSha256(key);
    return this.hmac;
  }
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
      return memoCode(String(value), `${prefix}${name}`, key, onBadCode === 'tokenize' ? 'nativeCode' : onBadCode, memo);
    case 'directory':
      return memoCode(String(value), `${prefix}${name}`, key, onBadCode === 'tokenize' ? 'nativeDirectory' : onBadCode, memo);
    case 'reference':
      return memoCode(String(value), `${prefix}${name}`, key, onBadCode, memo);
    case 'token': {
      const id = String(value);
      // A control character in an id is a broken sender: admission refuses it, naming the field.
      if (CONTROL.test(id)) return value;
      if (!memo) return eventIdToken(key, id);
      let token = memo.ids.get(id);
      if (token === undefined) memo.ids.set(id, (token = eventIdToken(memo.signer(key), id)));
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
        out[memoCode(label, `${prefix}${name} (a key)`, key, onBadCode, memo)] = memoCode(labels[label], `${prefix}${name}`, key, label === 'helpdeskTicket' ? 'recordKey' : 'labelValue', memo);
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
  if (scrubbed === undefined) memo.texts.set(text, (scrubbed = scrubText(text, memo.clean)));
  return scrubbed;
}

/** A refusal is never remembered: it throws, naming this field, each time. */
function memoCode(value: string, field: string, key: string, mode: CodeMode, memo: PrivacyMemo | undefined): string {
  if (!memo) return code(value, field, key, mode);
  const codes = memo.codes[mode];
  let kept = codes.get(value);
  if (kept === undefined) codes.set(value, (kept = code(value, field, memo.signer(key), mode, memo.clean)));
  return kept;
}

// Control characters in codes and ids are refused by admission (src/modules/ingest/admission.ts),
// which runs after this table and names the field; a token would hide them. Exactly the characters
// admission refuses (unicode.ts holdsControl), no more: TAB, LF and CR it lets through, so a code or
// an id holding one must be treated here like any other, or it would be kept as it came ("MRN<TAB>
// 7654321" as an event id, "Smith<TAB>John" as a system). privacy.spec.ts holds the two sets equal.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

/** Whether admission will refuse `value` for its control characters (then this table leaves it as it is). */
export function leftToAdmission(value: string): boolean {
  return CONTROL.test(value);
}

function code(value: string, field: string, key: string | HmacSha256, mode: CodeMode, clean?: CleanTexts): string {
  // A label value is never refused, so its control characters are dropped here, before it is judged:
  // left for admission to drop, `Carolee951<SOH> Sanford861` would come out of it a clean name.
  if (CONTROL.test(value)) {
    if (mode !== 'labelValue' && mode !== 'recordKey') return value;
    value = value.replace(CONTROLS, '');
  }
  const trimmed = value.trim();
  if (keeps(mode, trimmed, clean)) return trimmed;
  if (mode === 'refuse') {
    throw new Refused(field, 'must be a code (letters, digits and . _ : @ / # + -, no spaces, up to 128 characters) that holds no personal identifier');
  }
  return codeToken(key, trimmed);
}

function keeps(mode: CodeMode, value: string, clean: CleanTexts | undefined): boolean {
  switch (mode) {
    case 'refuse':
    case 'tokenize':
      return isCode(value, clean);
    case 'nativeCode':
    case 'nativeDirectory':
      return isNativeCode(value, mode === 'nativeCode' ? BARE_IDENTIFIER : BARE_ID, clean);
    case 'labelValue':
      // A label value already made a token passes as it is, as an event id token does: an event
      // protected once (forwarded to its owner, replayed) keeps the same labels when protected again.
      return isLabelCode(value, clean) || CODE_TOKEN.test(value);
    case 'recordKey':
      return HELPDESK_RECORD_KEY.test(value) || CODE_TOKEN.test(value);
    default:
      return assertNever(mode);
  }
}

// A value that is nothing but one UUID or id (`S99993907`, `d88f994a-…`) names a record, not a
// system: Synthea's MRNs are bare UUIDs, licences and passports bare ids. A directory field may be
// a bare UUID (Synthea's organisations are), never a bare id of the other shape.
const BARE_IDENTIFIER = /^\[redacted:(?:uuid|id)\]$/;
const BARE_ID = /^\[redacted:id\]$/;

function isNativeCode(value: string, bare: RegExp, clean: CleanTexts | undefined): boolean {
  if (!CODE.test(value)) return false;
  const scrubbed = scrubText(value, clean);
  return !scrubbed.replace(MACHINE_SHAPES, '').includes('[redacted:') && !bare.test(scrubbed);
}

/** Whether a native route keeps `value` in a code field as it came (else it keeps its token): for text a source composes from one. */
export function keptAsNativeCode(value: string): boolean {
  return isNativeCode(value.trim(), BARE_IDENTIFIER, undefined);
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

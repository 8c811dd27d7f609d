import { hash } from 'node:crypto';
import type { CanonicalEvent, EventKind, EventSource, EventStatus, Severity } from '../../../correlation/canonical-event.js';
import type { ResolveInput } from '../../../correlation/inputs.js';
import { eventIdToken, PrivacyMemo, protect } from '../../../correlation/privacy.js';
import { scrubText } from '../../../correlation/scrub.js';
import { outOfRange } from '../admission.js';
import { intakeMemo } from '../intake-memo.js';
import { fastInstant, fastIso } from '../instant.js';
import { clampText } from '../unicode.js';

// What every source normalizer shares: reading a native payload field by field (so a 400 can name
// the field), and finishing a draft into a canonical event through the one privacy filter. All of
// it is pure: the clock and the key come in through the context.

export interface NormalizeContext {
  tokenKey: string;
  /** When the request arrived: a Date, or its ISO form (toISOString) formatted once for the request. */
  receivedAt: Date | string;
  correlationId: string;
}

/**
 * A NormalizeContext made ready once per request: the arrival both as ms and as the ISO text every
 * event carries (formatted once, not per event), and the request's privacy memo, so a value its
 * events repeat is scrubbed or tokenized once.
 */
export interface RequestContext {
  readonly tokenKey: string;
  readonly correlationId: string;
  readonly receivedAtMs: number;
  readonly receivedAtIso: string;
  readonly memo: PrivacyMemo;
  /** Free text as finish keeps it (scrubbed, spaces folded, clamped to 256 or 512), by the text sent. */
  readonly texts: Record<256 | 512, Map<string, string>>;
}

export function requestContext(context: NormalizeContext | RequestContext): RequestContext {
  if ('memo' in context) return context;
  const { receivedAt } = context;
  const receivedAtIso = typeof receivedAt === 'string' ? receivedAt : receivedAt.toISOString();
  return {
    tokenKey: context.tokenKey,
    correlationId: context.correlationId,
    receivedAtMs: typeof receivedAt === 'string' ? Date.parse(receivedAt) : receivedAt.getTime(),
    receivedAtIso,
    memo: intakeMemo(context.tokenKey),
    texts: { 256: new Map(), 512: new Map() },
  };
}

/**
 * A source event that only names the child it ends (a PagerDuty resolve carries nothing but its
 * dedup key): appended to the inbox as it is, the correlator finds that child's incident when it
 * reaches it (inputs.ts ResolveInput).
 */
export type ChildResolve = ResolveInput;

export interface NormalizedEvents {
  events: CanonicalEvent[];
  ignored?: number;
  resolves?: ChildResolve[];
}

export type Normalized =
  | { ok: true; events: CanonicalEvent[]; ignored: number; resolves: ChildResolve[] }
  | { ok: false; field: string; reason: string };

/** A native payload that cannot be used; `field` is its path in the payload (`alerts[0].startsAt`). */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/**
 * Runs a normalizer body with the request's context, made once, turning the first FieldError into a
 * result the caller can report.
 */
export function normalizing(context: NormalizeContext, work: (request: RequestContext) => NormalizedEvents): Normalized {
  try {
    const { events, ignored = 0, resolves = [] } = work(requestContext(context));
    return { ok: true, events, ignored, resolves };
  } catch (error) {
    // A field path holds the payload's own keys, which may be what must not be echoed.
    if (error instanceof FieldError) return { ok: false, field: scrubText(error.field), reason: `${scrubText(error.field)}: ${error.problem}` };
    throw error;
  }
}

export type Json = Record<string, unknown>;

export function object(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FieldError(field, 'must be an object');
  return value as Json;
}

export function optionalObject(value: unknown, field: string): Json | undefined {
  return value === undefined || value === null ? undefined : object(value, field);
}

export function array(value: unknown, field: string, { nonEmpty = false } = {}): unknown[] {
  if (!Array.isArray(value)) throw new FieldError(field, 'must be an array');
  if (nonEmpty && value.length === 0) throw new FieldError(field, 'must not be empty');
  return value;
}

export function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new FieldError(field, 'must be a non-empty string');
  return value;
}

/** Absent, null and "" are all "not given": tools fill optional fields either way. */
export function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw new FieldError(field, 'must be a string');
  return value;
}

export function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new FieldError(field, `must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

export function timestamp(value: unknown, field: string, context: Pick<RequestContext, 'receivedAtMs'>): string {
  const iso = optionalTimestamp(value, field, context);
  if (!iso) throw new FieldError(field, 'must be an ISO-8601 timestamp');
  return iso;
}

export function optionalTimestamp(value: unknown, field: string, context: Pick<RequestContext, 'receivedAtMs'>): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    const fast = fastInstant(value);
    if (!Number.isNaN(fast)) {
      const problem = outOfRange(fast, context.receivedAtMs);
      if (problem) throw new FieldError(field, problem);
      return fastIso(value);
    }
  }
  const time = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) throw new FieldError(field, 'must be an ISO-8601 timestamp');
  return instant(time, field, context);
}

/**
 * Every date an adapter reads ends here (ms since the epoch): one outside the range corral accepts
 * (admission.ts: 1970 to a day after arrival) is refused, naming the payload's field.
 */
export function instant(time: number, field: string, context: Pick<RequestContext, 'receivedAtMs'>): string {
  const problem = outOfRange(time, context.receivedAtMs);
  if (problem) throw new FieldError(field, problem);
  return new Date(time).toISOString();
}

/** Go's zero time ("0001-01-01T00:00:00Z"), which Alertmanager and Grafana send for "not ended". */
export function isZeroTime(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith('0001-01-01');
}

export function stringMap(value: unknown, field: string, into: Record<string, string> = {}): Record<string, string> {
  if (value === undefined || value === null) return into;
  const map = object(value, field);
  // Written into `into` (a copy of the common labels, say): no entry arrays, no second object.
  for (const key in map) {
    if (!Object.hasOwn(map, key)) continue;
    const inner = map[key];
    if (typeof inner === 'string') into[key] = inner;
    else if (typeof inner === 'number' || typeof inner === 'boolean') into[key] = String(inner);
    else throw new FieldError(`${field}.${key}`, 'must be a string');
  }
  return into;
}

export function stableHash(...parts: unknown[]): string {
  return hash('sha256', JSON.stringify(parts), 'hex').slice(0, 32);
}

/** Label keys a source may carry into the canonical event: routing and grouping words, no free text. */
export const LABEL_KEYS: ReadonlySet<string> = new Set([
  'alertname', 'channel', 'service', 'job', 'instance', 'team', 'zone', 'cluster', 'namespace', 'env', 'environment',
  'component', 'group', 'class', 'severity', 'receiver', 'orgId', 'messageType', 'ackCode', 'hl7Version', 'errorLocation',
  'channelId', 'connector', 'errorType', 'eventType', 'outcome', 'resource', 'action', 'priority', 'queue', 'category',
  // Equipment ids, so the EHR directory can name the device's type and owner (config/enrichment.yaml).
  'device', 'deviceId', 'asset',
  // The organisation part of a requester's e-mail (never the person): where hospitals of one system
  // keep their own domains, it says which facility a report that named none came from (names.ts).
  'requesterDomain',
  // A report's ticket in the helpdesk it came from (helpdesk.ts): resolved with the incident.
  'helpdeskTicket',
]);

export interface Draft {
  id: string;
  kind: EventKind;
  source: EventSource;
  occurredAt: string;
  status: EventStatus;
  severity: Severity;
  system: string;
  symptom: string;
  facility?: string | undefined;
  department?: string | undefined;
  location?: string | undefined;
  errorSignature?: string | undefined;
  /** The raw requester identity (login, e-mail, user id): tokenized here and never kept. */
  requesterId?: string | undefined;
  requesterRole?: string | undefined;
  patientImpact?: boolean | undefined;
  labels?: Record<string, string | undefined> | undefined;
}

/** Whether folding white space (runs to one space, trimmed) would change `text`. */
const LOOSE_SPACE = /[^\S ]|\s\s|^\s|\s$/;

/**
 * Free text as an event keeps it: scrubbed, white space folded, clamped; '' when nothing is left.
 * Once per request for each text: alerts of one webhook repeat their alert names and summaries.
 */
function clean(value: string, max: 256 | 512, request: RequestContext): string {
  const seen = request.texts[max];
  let kept = seen.get(value);
  if (kept !== undefined) return kept;
  const scrubbed = scrubText(value, request.memo.clean);
  const folded = LOOSE_SPACE.test(scrubbed) ? scrubbed.replace(/\s+/g, ' ').trim() : scrubbed;
  kept = clampText(folded, max);
  // Unchanged by all three: the scrubber left this very text alone, and would again, so the privacy
  // table's own scrub of it can be skipped.
  if (scrubbed === value && kept === value) request.memo.texts.set(value, value);
  seen.set(value, kept);
  return kept;
}

const code = (value: string | undefined) => (value?.trim() ? value.trim() : undefined);

/**
 * The key of the label whose value `text` is, if any: an alert's name used as its error signature,
 * or as its symptom when nothing else describes it. Such a field is kept as that label is kept (its
 * code or its token, set from the protected labels), so a name put in `alertname` is not kept in
 * the clear beside its own token.
 */
function labelHolding(text: string | undefined, labels: Record<string, string> | undefined): string | undefined {
  if (text === undefined || !labels) return undefined;
  for (const key in labels) if (labels[key] === text) return key;
  return undefined;
}

/**
 * Every source's draft becomes a canonical event here: free text scrubbed and clamped to the
 * canonical limits, labels allow-listed, then the per-field privacy table (`protect`): ids become
 * keyed tokens, code fields that are not codes become keyed tokens too (a native route cannot
 * refuse a field corral itself picked), the requester becomes its token.
 */
export function finish(draft: Draft, context: NormalizeContext | RequestContext): CanonicalEvent {
  const request = requestContext(context);
  // One loop over the draft's labels, no entry arrays: at most 64 allow-listed, non-empty ones.
  let labels: Record<string, string> | undefined;
  let kept = 0;
  const given = draft.labels ?? {};
  for (const key in given) {
    if (!Object.hasOwn(given, key)) continue;
    const value = given[key];
    if (!LABEL_KEYS.has(key) || typeof value !== 'string' || value.trim() === '') continue;
    if (kept === 64) break;
    // A value is judged as a code by the privacy table (kept, or made a token), not scrubbed here.
    (labels ??= {})[key] = value;
    kept += 1;
  }
  const symptomLabel = labelHolding(draft.symptom, labels);
  const signatureLabel = labelHolding(draft.errorSignature, labels);
  const instance = code(draft.source.instance);
  // Built field by field in the order the event has always had (its JSON is what the inbox keeps),
  // without a spread object per optional field.
  const event: CanonicalEvent = {
    id: draft.id,
    schemaVersion: '1',
    kind: draft.kind,
    source: instance ? { type: draft.source.type, system: draft.source.system, instance } : { type: draft.source.type, system: draft.source.system },
    occurredAt: draft.occurredAt,
    receivedAt: request.receivedAtIso,
    status: draft.status,
    severity: draft.severity,
    system: code(draft.system) ?? 'unknown',
    // A field that is a label's value gets its place here and its value from the protected labels below.
    symptom: symptomLabel ?? ((draft.symptom === undefined ? '' : clean(draft.symptom, 512, request)) || 'no description'),
    patientImpact: draft.patientImpact ?? false,
    correlationId: request.correlationId,
  };
  const facility = code(draft.facility);
  if (facility) event.facility = facility;
  const department = code(draft.department);
  if (department) event.department = department;
  const location = draft.location === undefined ? '' : clean(draft.location, 256, request);
  if (location) event.location = location;
  const errorSignature = signatureLabel ?? (draft.errorSignature === undefined ? '' : clean(draft.errorSignature, 256, request));
  if (errorSignature) event.errorSignature = errorSignature;
  const requesterId = draft.requesterId?.trim();
  if (requesterId) {
    const role = code(draft.requesterRole);
    event.requester = role ? { token: requesterId, role } : { token: requesterId };
  }
  if (labels) event.labels = labels;
  const result = protect(event, request.tokenKey, 'tokenize', request.memo);
  if (!result.ok) throw new Error(`the privacy filter refused ${result.field} on a native route`);
  const protectedEvent = result.event;
  if (symptomLabel !== undefined) protectedEvent.symptom = protectedEvent.labels?.[symptomLabel] ?? 'no description';
  if (signatureLabel !== undefined) protectedEvent.errorSignature = protectedEvent.labels?.[signatureLabel];
  return protectedEvent;
}

/** A resolve names its child by the source's id: the same keyed token the child was kept under. */
export function finishResolve(resolve: Pick<ChildResolve, 'source' | 'id' | 'occurredAt'>, context: NormalizeContext | RequestContext): ChildResolve {
  const request = requestContext(context);
  return {
    type: 'resolve',
    source: resolve.source,
    id: eventIdToken(request.memo.signer(request.tokenKey), resolve.id),
    occurredAt: resolve.occurredAt,
    receivedAt: request.receivedAtIso,
    correlationId: request.correlationId,
  };
}

/** Severity words of monitoring tools, mapped onto corral's five. */
export function severityFrom(word: string | undefined, fallback: Severity): Severity {
  // Most tools send the word as it is listed: no trimmed, lower-cased copy for those.
  return severityOf(word) ?? severityOf(word?.trim().toLowerCase()) ?? fallback;
}

function severityOf(word: string | undefined): Severity | undefined {
  switch (word) {
    case 'critical':
    case 'crit':
    case 'fatal':
    case 'emergency':
    case 'disaster':
    case 'p1':
      return 'critical';
    case 'high':
    case 'error':
    case 'major':
    case 'p2':
      return 'high';
    case 'warning':
    case 'warn':
    case 'medium':
    case 'average':
    case 'p3':
      return 'medium';
    case 'low':
    case 'minor':
    case 'p4':
      return 'low';
    case 'info':
    case 'informational':
    case 'information':
    case 'none':
    case 'debug':
    case 'p5':
      return 'info';
    default:
      return undefined;
  }
}

export function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host || undefined;
  } catch {
    return undefined;
  }
}

export function truthy(value: string | undefined): boolean {
  return value !== undefined && ['true', 'yes', '1'].includes(value.toLowerCase());
}

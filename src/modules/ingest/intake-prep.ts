import type { ResolveInput } from '../../correlation/inputs.js';
import { InvalidInputError, TooLargeError, type RejectedItem } from '../http/domain-errors.js';
import { dedupKey } from '../inbox/dedup-key.js';
import type { EncodedEntry, InputEntry } from '../inbox/inbox-writer.js';
import { admit, type AdmittedEvent } from './admission.js';
import { parseCanonical, type FieldProblem } from './canonical-intake.js';
import { intakeMemo } from './intake-memo.js';
import { MAX_EVENTS_PER_REQUEST, nestingProblem } from './limits.js';
import type { PagerDutyNormalized } from './sources/pagerduty.js';
import { ADAPTERS, type NativeSource } from './sources/registry.js';
import { controlPaths, holdsBrokenText, holdsControl } from './unicode.js';

// Everything an ingest request needs before its append that is pure (no clock, no I/O, no service):
// run on the main thread for a small body, in an intake worker (intake-pool/) for a large one, with
// the same answers either way.

/** What one request's events share: the key, its correlation id, its arrival (ISO, formatted once). */
export interface PrepContext {
  tokenKey: string;
  correlationId: string;
  receivedAt: string;
}

/** A canonical request, every item validated, normalized and admitted, or refused with its reason. */
export interface CanonicalChecked {
  /** The body was an array (a refusal of all of it then lists the items; of one event, its fields). */
  isArray: boolean;
  events: AdmittedEvent[];
  rejected: RejectedItem[];
  /** Each event's index in the request, when some were refused (otherwise event i is item i). */
  validIndex?: number[];
}

/**
 * `POST /v1/events`: one canonical event or an array of them, each validated and privacy-filtered
 * (parseCanonical). An empty array or one over MAX_EVENTS_PER_REQUEST is refused whole, unread.
 */
export function checkCanonical(body: unknown, context: PrepContext): CanonicalChecked {
  const isArray = Array.isArray(body);
  const items = isArray ? (body as unknown[]) : [body];
  if (items.length === 0) throw new InvalidInputError('expected one canonical event or a non-empty array of them');
  if (items.length > MAX_EVENTS_PER_REQUEST) throw new TooLargeError(`at most ${MAX_EVENTS_PER_REQUEST} events per request; this one has ${items.length}: send them in several`);
  // One privacy memo for the request: values its events repeat (a system, a facility, a
  // requester) are scrubbed and tokenized once.
  const { tokenKey, receivedAt, correlationId } = context;
  const memo = intakeMemo(tokenKey);
  const parsed = items.map((item) => parseCanonical(item, { tokenKey, receivedAt, ...(correlationId ? { correlationId } : {}), memo }));
  const rejected: RejectedItem[] = parsed.flatMap((p, index) => (p.ok ? [] : [{ index, reason: p.reason, fields: p.fields }]));
  const events = parsed.flatMap((p) => (p.ok ? [p.event] : []));
  const validIndex = rejected.length > 0 ? parsed.flatMap((p, index) => (p.ok ? [index] : [])) : undefined;
  return { isArray, events, rejected, ...(validIndex ? { validIndex } : {}) };
}

/** A normalized payload whose events all passed admission. */
export interface Admitted {
  events: AdmittedEvent[];
  ignored: number;
  resolves: ResolveInput[];
  /** PagerDuty's dedup key of the payload (see NativeResult.dedupKey). */
  dedupKey?: string;
}

export type Checked = { ok: true; normalized: Admitted } | { ok: false; reason: string; fields: FieldProblem[] };

/** A native payload: its shape checked, normalized through the source's adapter (privacy filter included), admitted. */
export function checkNative(source: NativeSource, body: unknown, context: { tokenKey: string; correlationId: string; receivedAt: Date | string }): Checked {
  const adapter = ADAPTERS[source];
  const tooDeep = adapter.format === 'json' ? nestingProblem(body) : undefined;
  if (tooDeep) return { ok: false, reason: `body ${tooDeep.problems.join(', ')}`, fields: [tooDeep] };
  if (holdsBrokenText(body, { replacement: true })) {
    return { ok: false, reason: 'body is not valid UTF-8', fields: [{ field: 'body', problems: ['is not valid UTF-8 (bytes that are not, or an escaped surrogate without its partner)'] }] };
  }
  const normalized = adapter.normalize(body, context);
  if (!normalized.ok) return { ok: false, reason: `invalid ${source} payload: ${normalized.reason}`, fields: [{ field: normalized.field, problems: [normalized.reason] }] };
  const events: AdmittedEvent[] = [];
  const fields: FieldProblem[] = [];
  normalized.events.forEach((event, index) => {
    const admission = admit(event);
    // Fields of the canonical event the adapter built; numbered when the payload made several.
    const at = normalized.events.length > 1 ? `events[${index}].` : '';
    if (admission.ok) events.push(admission.event);
    else fields.push(...admission.fields.map((f) => ({ ...f, field: `${at}${f.field}` })));
  });
  // A resolve names a child by its key; admitted like an event's codes, as the correlator makes
  // it that child's event from these fields and what the child's own admitted events stored.
  normalized.resolves.forEach((resolve) => {
    if (holdsControl(resolve.id) || holdsControl(resolve.source.system) || holdsControl(resolve.correlationId)) fields.push({ field: 'id', problems: ['must not hold control characters'] });
  });
  if (fields.length > 0) {
    // The fields above are the canonical event's; name the payload's own too, where it holds the control characters.
    const holding = adapter.format === 'json' ? controlPaths(body) : [];
    const where = holding.length > 0 ? ` (control characters at ${holding.join(', ')})` : '';
    const all = [...fields, ...holding.map((field) => ({ field, problems: ['holds a control character'] }))];
    return { ok: false, reason: `invalid ${source} payload: ${fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ')}${where}`, fields: all };
  }
  const dedupKey = (normalized as PagerDutyNormalized).dedupKey;
  return { ok: true, normalized: { events, ignored: normalized.ignored, resolves: normalized.resolves, ...(dedupKey !== undefined ? { dedupKey } : {}) } };
}

/** The inbox entries of a submission: the events, then the resolves, each under its dedup key. */
export function inboxEntries(events: readonly AdmittedEvent[], resolves: readonly ResolveInput[]): InputEntry[] {
  return [
    ...events.map((event) => ({ dedup: dedupKey(event), input: { type: 'event' as const, event } })),
    // An exact resend of a resolve is the same source, id and instant, like an event's.
    ...resolves.map((resolve) => ({ dedup: dedupKey({ ...resolve, status: 'resolved' }), input: resolve })),
  ];
}

/** The same entries as the rows' text, ready to append (what InboxWriter would write for them). */
export function encodedEntries(events: readonly AdmittedEvent[], resolves: readonly ResolveInput[]): EncodedEntry[] {
  // JSON.stringify escapes NUL and lone surrogates: the text is always storable.
  return inboxEntries(events, resolves).map(({ dedup, input }) => ({ dedup, text: JSON.stringify(input) }));
}

/** The source type an append is counted under (corral_inbox_events_total). */
export function sourceOf(events: readonly AdmittedEvent[], resolves: readonly ResolveInput[]): string {
  return events[0]?.source.type ?? resolves[0]?.source.type ?? 'unknown';
}

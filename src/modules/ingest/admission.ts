import type { CanonicalEvent } from '../../correlation/canonical-event.js';
import { scrubText } from '../../correlation/scrub.js';
import type { FieldProblem } from './canonical-intake.js';
import { parseInstant } from './instant.js';
import { clampText, holdsControl, withoutControls } from './unicode.js';

// The one gate every event passes before it is submitted, whichever route and bus carried it and
// whichever adapter built it: what PostgreSQL (and the helpdesk, the logs) cannot keep as it is stops
// here, so it never fails a batch it shares with other senders' events.

declare const admitted: unique symbol;
/** An event that went through `admit`; IngestService.submit takes nothing else. */
export type AdmittedEvent = CanonicalEvent & { readonly [admitted]: true };

export type Admission = { ok: true; event: AdmittedEvent } | { ok: false; reason: string; fields: FieldProblem[] };

/**
 * The instants corral accepts: not before the Unix epoch (earlier ones are zero values and corrupted
 * fields: Alertmanager's `0001-01-01`, HL7 `00000101`, a Mirth template's `-200000-01-01`, which
 * PostgreSQL cannot store or JavaScript misreads), and at most a day after arrival (a skewed clock,
 * not a typo of the year). README "Bad input".
 */
export const EARLIEST_INSTANT = Date.UTC(1970, 0, 1);
export const LATEST_AHEAD_MS = 24 * 60 * 60 * 1000;

/** Why `time` (ms since the epoch) is not an instant corral accepts, or undefined when it is. */
export function outOfRange(time: number, receivedAt: Date | number): string | undefined {
  if (Number.isNaN(time)) return 'must be an ISO-8601 timestamp';
  if (time < EARLIEST_INSTANT) return 'must not be before 1970-01-01T00:00:00Z';
  if (time > (typeof receivedAt === 'number' ? receivedAt : receivedAt.getTime()) + LATEST_AHEAD_MS) return 'must not be more than a day after corral received it';
  return undefined;
}

/**
 * How each field is treated. `code`: ids, names of systems and places, tokens, label keys — what
 * correlation matches on; a control character there is a broken sender, and stripping it would
 * merge two different ids, so the event is refused, naming the field. `text`: what people read; a
 * control character there is noise, removed (TAB, LF and CR stay). Typed over every field of
 * CanonicalEvent, so a field added to it must be classified here before anything compiles.
 */
type Treatment = 'code' | { text: number } | 'instant' | 'fixed' | 'requester' | 'labels' | 'source' | 'corral';
const FIELDS: Record<keyof CanonicalEvent, Treatment> = {
  id: 'code',
  schemaVersion: 'fixed',
  kind: 'fixed',
  source: 'source',
  occurredAt: 'instant',
  receivedAt: 'instant',
  status: 'fixed',
  severity: 'fixed',
  system: 'code',
  facility: 'code',
  department: 'code',
  location: { text: 256 },
  symptom: { text: 512 },
  errorSignature: { text: 256 },
  requester: 'requester',
  patientImpact: 'fixed',
  labels: 'labels',
  correlationId: 'code',
  // Added after admission by corral's own enricher, from the FHIR directory.
  context: 'corral',
};

const CONTROL_PROBLEM = 'must not hold control characters (U+0000–U+001F but TAB, LF and CR; U+007F–U+009F)';

/**
 * Admits one event or says which fields stop it. Free text with control characters is cleaned and
 * scrubbed again: a control character between the letters of an identifier hides it from the
 * scrubber, and removing it would otherwise bring the identifier back.
 */
export function admit(event: CanonicalEvent): Admission {
  // Every event passes here, and almost every one passes unchanged: the loop allocates nothing
  // (no closures, no copies) until a field needs refusing or cleaning.
  let problems: FieldProblem[] | undefined;
  const refuse = (field: string, problem: string) => (problems ??= []).push({ field, problems: [problem] });
  let receivedAt: number | undefined;
  let out = event;
  for (const key in FIELDS) {
    const name = key as keyof CanonicalEvent;
    const treatment = FIELDS[name];
    const value = event[name];
    if (value === undefined) continue;
    if (treatment === 'code') {
      if (holdsControl(value as string)) refuse(name, CONTROL_PROBLEM);
    } else if (treatment === 'instant') {
      receivedAt ??= parseInstant(event.receivedAt);
      const problem = outOfRange(parseInstant(value as string), receivedAt);
      if (problem) refuse(name, problem);
    } else if (treatment === 'source') {
      if (holdsControl(event.source.system)) refuse('source.system', CONTROL_PROBLEM);
      if (event.source.instance !== undefined && holdsControl(event.source.instance)) refuse('source.instance', CONTROL_PROBLEM);
    } else if (treatment === 'requester' && event.requester) {
      const requester = event.requester;
      if (holdsControl(requester.token)) refuse('requester.token', CONTROL_PROBLEM);
      if (requester.role !== undefined && holdsControl(requester.role)) refuse('requester.role', CONTROL_PROBLEM);
      if (requester.department !== undefined && holdsControl(requester.department)) refuse('requester.department', CONTROL_PROBLEM);
    } else if (treatment === 'labels' && event.labels) {
      const labels = event.labels;
      let keyControl = false;
      let valueControl = false;
      for (const label in labels) {
        if (!Object.hasOwn(labels, label)) continue;
        keyControl ||= holdsControl(label);
        valueControl ||= holdsControl(labels[label]);
      }
      if (keyControl) refuse('labels', `keys ${CONTROL_PROBLEM}`);
      if (valueControl) out = { ...out, labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, cleanText(v, 256)])) };
    } else if (typeof treatment === 'object') {
      const cleaned = cleanText(value as string, treatment.text);
      if (cleaned !== value) out = { ...out, [name]: cleaned };
    }
  }
  if (problems) return { ok: false, reason: problems.map((p) => `${p.field}: ${p.problems.join(', ')}`).join('; '), fields: problems };
  return { ok: true, event: out as AdmittedEvent };
}

const cleanText = (value: string, max: number) => (holdsControl(value) ? clampText(scrubText(withoutControls(value)), max) : value);

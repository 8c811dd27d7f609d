// Free text from monitoring tools and people carries identifiers it should not: an MRN pasted into
// an error message, a caller's phone number in a report, a PID segment inside a Mirth stack trace.
// Scrubbing happens at the edge, before an event is signed, journaled or logged, so nothing
// downstream can leak what it never received. Each find is replaced by `[redacted:<kind>]`, which
// says what was there without saying what it was.

export type RedactionKind =
  | 'hl7-segment'
  | 'email'
  | 'ssn'
  | 'mrn'
  | 'dob'
  | 'date'
  | 'uuid'
  | 'ip'
  | 'phone'
  | 'address'
  | 'name'
  | 'id'
  | 'number';

const tag = (kind: RedactionKind) => `[redacted:${kind}]`;

// Segments that only ever describe a patient, a visit, a next of kin or a guarantor: an HL7
// message pasted into an error text loses them whole. `\r`/`\n` may be real or JSON-escaped.
const PATIENT_SEGMENTS = 'PID|PD1|NK1|PV1|PV2|GT1|IN1|IN2|IN3|ACC|DG1|AL1|OBX|NTE|MRG|ROL';
const SEGMENT = new RegExp(`(^|\\b|\\\\[rn])(${PATIENT_SEGMENTS})\\|[^\\r\\n"]*?(?=\\\\[rn]|[\\r\\n"]|$)`, 'g');

const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const DATE_FORMS = [
  String.raw`\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?`,
  String.raw`\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}`,
  String.raw`\d{1,2}\s+(?:${MONTHS})\.?,?\s+\d{4}`,
  String.raw`(?:${MONTHS})\.?\s+\d{1,2},?\s+\d{4}`,
  String.raw`(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])`,
].join('|');

const STREET_SUFFIXES =
  'street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|bypass|place|pl|terrace|ter|parkway|pkwy|highway|hwy|circle|cir|trail|trl|loop|square|sq|crossing|route|rte|alley|pike|plaza|ridge|run|junction|gardens|heights|hill|landing|manor|meadow|mews|park|point|spur|summit|view|village|vista|walk|crescent|close|grove';
const STREET = STREET_SUFFIXES.split('|').map((w) => `${w[0]?.toUpperCase() ?? ''}${w.slice(1)}|${w.toUpperCase()}`).join('|');
/** Case-insensitive word inside an otherwise case-sensitive pattern (names must start upper-case). */
const ci = (word: string) => [...word].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join('');
// "117 Orn Bypass", optionally followed by ", Redmond, WA 98053"; and a bare "Redmond, WA 98053".
const ADDRESS = new RegExp(
  String.raw`\b\d{1,6}\s+(?:[A-Z][\w'-]*\s+){1,4}(?:${STREET})\b\.?(?:\s*(?:apt|unit|suite|#)\.?\s*\w+)?(?:,?\s+[A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+)?,?\s+[A-Z]{2}(?:\s+\d{5}(?:-\d{4})?)?)?` +
    String.raw`|\b[A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+)?,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?\b`,
  'g',
);

// Words that follow "patient" in ordinary IT talk and are not names.
const NOT_NAMES = new Set(
  'id ids identifier number no record records chart charts portal list lists lookup search room bed banner wristband wristbands label labels monitor monitors transport care access app data info information name names demographics merge merges registration safety flow tracking board summary summaries is was has had not cannot can could will would the a an and or of for in on at to with from by'.split(' '),
);
const NAME_TOKEN = String.raw`[A-Z][A-Za-z'’-]*\d*`;
const NAME_AFTER_CUE = new RegExp(
  String.raw`(\b(?:${['patient', 'pt', 'mrn', 'mr', 'mrs', 'ms', 'miss'].map(ci).join('|')})\b\.?(?:\s*(?:${ci('name')})\b)?|\[redacted:(?:mrn|name)\])([\s:#=,()^-]*)((?:${NAME_TOKEN})(?:(?:\s*[,^]\s*|\s+)(?:${NAME_TOKEN})){0,3})`,
  'g',
);
// "Sanford861, Carolee951 (MRN …)": a name written just before its record number.
const NAME_BEFORE_MRN = new RegExp(String.raw`\b(${NAME_TOKEN})((?:\s*[,^]\s*|\s+))(${NAME_TOKEN})(\s*[(,-]?\s*)(?=\[redacted:mrn\]|\b${ci('mrn')}\b)`, 'g');

const RULES: ReadonlyArray<readonly [RegExp, string | ((...groups: string[]) => string)]> = [
  [SEGMENT, (_m, lead: string) => `${lead}${tag('hl7-segment')}`],
  [/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, tag('email')],
  [/\b(?:ssn|social security(?: number)?)\s*[:#=]?\s*\d{3}-?\d{2}-?\d{4}\b/gi, tag('ssn')],
  [/\b\d{3}-\d{2}-\d{4}\b/g, tag('ssn')],
  // Labelled identifiers first, so "MRN: AB12345" loses the value whatever its shape; the value must
  // hold a digit so that "PID lookup failed" keeps its words.
  [/\b(?:mrn|mr#|medical record(?: number)?|patient(?: id)?|pid|acct|account(?: number)?)\s*[:#=]?\s*[\w/-]*\d[\w/-]*/gi, tag('mrn')],
  [new RegExp(String.raw`\b(?:dob|d\.o\.b\.|date of birth|born(?: on)?|birth ?date)\s*[:#=]?\s*(?:${DATE_FORMS})`, 'gi'), tag('dob')],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, tag('uuid')],
  [new RegExp(String.raw`\b(?:${DATE_FORMS})\b`, 'gi'), tag('date')],
  [/\b(\d{1,3}\.){3}\d{1,3}(:\d+)?\b/g, tag('ip')],
  [/(\+?1[ .-]?)?(\(\d{3}\)\s*|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b/g, tag('phone')],
  [ADDRESS, tag('address')],
  [NAME_BEFORE_MRN, (match: string, first: string, _sep: string, second: string, gap: string) =>
    [first, second].some((t) => NOT_NAMES.has(t.toLowerCase())) ? match : `${tag('name')}${gap}`],
  [NAME_AFTER_CUE, (match: string, cue: string, gap: string, name: string) => redactName(match, cue, gap, name)],
  // Licence, passport and account numbers: letters mixed with five or more digits ("S99993907").
  // HL7 table references ("HL70357") are codes, not people.
  [/\b(?!HL7\d{4}\b)(?=(?:[A-Za-z]*\d){5})[A-Za-z\d]{6,}\b/g, tag('id')],
  // Any remaining long digit run could be an MRN, account or device serial tied to a patient.
  [/\b\d{6,}\b/g, tag('number')],
];

function redactName(match: string, cue: string, gap: string, name: string): string {
  const tokens = name.split(/[\s,^]+/).filter(Boolean);
  const kept: string[] = [];
  for (const token of tokens) {
    if (NOT_NAMES.has(token.toLowerCase())) break;
    kept.push(token);
  }
  if (kept.length === 0) return match;
  // Only the name tokens go; a trailing ordinary word ("Smith Cannot …") stays with the text.
  const ends = [...name.matchAll(/[^\s,^]+/g)].map((m) => m.index + m[0].length);
  return `${cue}${gap}${tag('name')}${name.slice(ends[kept.length - 1] ?? name.length)}`;
}

/**
 * Texts the rules left as they were, remembered: during a storm the same alert text arrives
 * thousands of times, and fourteen expressions over it were a few percent of all ingest CPU. Only
 * clean texts are kept (the filter found nothing to remove in them), so the memory holds nothing
 * the filter exists to keep out; it is emptied when full.
 */
const clean = new Set<string>();
const CLEAN_KEPT = 10_000;
const CLEAN_LONGEST = 512;

/**
 * A copy that shares no memory with `text`: a field cut out of a larger payload (an HL7 message's
 * MSH-3) can be a slice that keeps the whole payload, its PID segment included, alive.
 */
const detached = (text: string): string => JSON.parse(JSON.stringify(text)) as string;

/** Replaces identifiers in free text by `[redacted:<kind>]`. Idempotent. */
export function scrubText(text: string): string {
  if (clean.has(text)) return text;
  let out = text;
  for (const [pattern, replacement] of RULES) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  if (out === text && text.length <= CLEAN_LONGEST) {
    if (clean.size >= CLEAN_KEPT) clean.clear();
    clean.add(detached(text));
  }
  return out;
}

const MAX_DEPTH = 64;

/**
 * A whole payload, for dead letters: JSON is scrubbed value by value (keys included), so the letter
 * stays valid JSON that can be replayed; anything else is scrubbed as text.
 */
export function scrubPayload(text: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return scrubText(text);
  }
  if (depthExceeds(parsed, MAX_DEPTH)) return scrubText(text);
  return JSON.stringify(scrubValue(parsed));
}

function scrubValue(value: unknown): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map(scrubValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [scrubText(key), scrubValue(inner)]));
  }
  return value;
}

/** Iterative, so that a hostile body cannot blow the stack while being measured. */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const inner of Object.values(current)) stack.push([inner, depth + 1]);
  }
  return false;
}

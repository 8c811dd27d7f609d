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
  // 14-Mar-1961, 14 Mar 1961, 14Mar1961, 14.Mar.61
  String.raw`\d{1,2}[\s/.-]?(?:${MONTHS})\.?,?[\s/.-]?(?:\d{4}|\d{2}\b)`,
  // Mar 14, 1961; Mar-14-1961
  String.raw`(?:${MONTHS})\.?[\s/.-]\d{1,2}(?:st|nd|rd|th)?,?[\s/.-]\d{4}`,
  String.raw`(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])`,
].join('|');

const STREET_SUFFIXES =
  'street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|bypass|place|pl|terrace|ter|parkway|pkwy|highway|hwy|circle|cir|trail|trl|loop|square|sq|crossing|route|rte|alley|pike|plaza|ridge|run|junction|gardens|heights|hill|landing|manor|meadow|mews|park|point|spur|summit|view|village|vista|walk|crescent|close|grove';
const STREET = STREET_SUFFIXES.split('|').map((w) => `${w[0]?.toUpperCase() ?? ''}${w.slice(1)}|${w.toUpperCase()}`).join('|');
/** Case-insensitive word inside an otherwise case-sensitive pattern (names must start upper-case). */
const ci = (word: string) => [...word].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join('');
const DIRECTION = String.raw`(?:\s+(?:N|S|E|W|NE|NW|SE|SW|North(?:east|west)?|South(?:east|west)?|East|West|NORTH(?:EAST|WEST)?|SOUTH(?:EAST|WEST)?|EAST|WEST)\b)?`;
// "117 Orn Bypass", "1035-116TH AVE NE", "12040 NE 128TH STREET", optionally followed by
// ", Redmond, WA 98053"; and a bare "Redmond, WA 98053".
const ADDRESS = new RegExp(
  String.raw`\b\d{1,6}(?:-\d{1,5}[A-Z]{0,2})?\s+(?:[A-Z0-9][\w'-]*\s+){0,4}(?:${STREET})\b\.?${DIRECTION}(?:\s*(?:apt|unit|suite|#)\.?\s*\w+)?(?:,?\s+(?:[A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+)?,?\s+)?[A-Z]{2}(?:\s+\d{5}(?:-\d{4})?)?\b)?` +
    String.raw`|\b[A-Z][a-zA-Z]+(?:\s[A-Z][a-zA-Z]+)?,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?\b`,
  'g',
);

// Words that follow a cue ("patient", "pt", "Dr") in ordinary IT and clinical talk and are not
// names. A lower-case name is only taken when two words in a row are none of these, so "patient
// transfer failed" keeps its words while "pt maria garcia" loses the name.
const NOT_NAMES = new Set(
  (
    'id ids identifier number no record records chart charts portal list lists lookup search room bed banner wristband wristbands label labels ' +
    'monitor monitors transport care access app data info information name names demographics merge merges registration safety flow tracking ' +
    'board summary summaries is was has had not cannot can could will would the a an and or of for in on at to with from by ' +
    'am are be been being do does did done get gets got go goes going went see sees seen say says said call calls called calling ' +
    'this that these those it its they them their he she his her him we our you your i me my who whom which what when where why how ' +
    'all any some every each both either neither none one two three four five first last next new old same other another more less ' +
    'very too also just only still again already now then than there here up down out off over under into onto via per as if so ' +
    'but yet because while after before during until since about against between through without within upon ' +
    'transfer transfers transferred admit admits admitted admission discharge discharged discharges arrival arrived waiting wait ' +
    'context lookups query queries queue queues message messages feed feeds interface interfaces system systems server servers service ' +
    'services host hosts node nodes job jobs file files field fields value values error errors failed failure failures fail fails ' +
    'failing timeout timeouts timed down up offline online unreachable unavailable slow stuck hung frozen crash crashed crashes ' +
    'login logins logon log logs logged password account accounts user users profile profiles session sessions screen screens ' +
    'order orders ordering result results report reports reporting note notes document documents scan scans image images ' +
    'printer printers print printing prints printed blank empty missing wrong duplicate duplicates mismatch mismatched ' +
    'lab labs pharmacy radiology medication medications meds med allergy allergies vitals vital sign signs alert alerts alarm alarms ' +
    'pump pumps device devices scanner scanners badge badges workstation workstations computer computers phone phones ' +
    'ward unit units floor dept department clinic bay station desk ed er icu or ' +
    'safe safely ok okay fine issue issues problem problems ticket tickets request requests help please urgent asap ' +
    'not found unknown invalid rejected reject rejects accepted received sent sending send update updated updates ' +
    'matching match matched matches record number lookup view views viewer flag flags status state side type ' +
    'sync synced syncing mapping mapped map load loading loads loaded save saved saving open opened opening close closed ' +
    'create created delete deleted edit edited change changed changes move moved moving check checked checking ' +
    'portal mychart epic cerner hl7 adt fhir api pacs ris lis emr ehr mpi empi'
  ).split(' '),
);
// The cues after which a name is expected; "name" only as a field ("name: …", "patient name …").
const CUES = ['patient', 'pt', 'mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'caller', 'guarantor', 'nok'];
// A cue is never part of the name before it: "[redacted:mrn], pt Sanford861" leaves "pt" to start its own match.
const NAME_WORD = String.raw`(?!(?:${CUES.join('|')}|name)\b)[A-Za-z\u00C0-\u024F][A-Za-z\u00C0-\u024F'’-]*\d*`;
const NAME_AFTER_CUE = new RegExp(
  String.raw`(\b(?:${CUES.join('|')})\b\.?(?:\s*name\b)?|\bname\s*(?=[:=])|\[redacted:(?:mrn|name)\])([\s:#=,()^-]*)((?:${NAME_WORD})(?:(?:\s*[,^]\s*|\s+)(?:${NAME_WORD})){0,3})`,
  'gi',
);
// "Sanford861, Carolee951 (MRN …)": a name written just before its record number.
const NAME_TOKEN = String.raw`[A-Z\u00C0-\u00DE][A-Za-z\u00C0-\u024F'’-]*\d*`;
const NAME_BEFORE_MRN = new RegExp(String.raw`\b(${NAME_TOKEN})((?:\s*[,^]\s*|\s+))(${NAME_TOKEN})(\s*[(,-]?\s*)(?=\[redacted:mrn\]|\b${ci('mrn')}\b)`, 'g');

// Phone numbers: a labelled one in any shape, an international one (+44 20 7946 0958), a North
// American one, and a bare seven-digit local one (555-0199).
const PHONE_LABELLED = /\b(?:tel|telephone|phone|ph|cell|mobile|mob|callback|call back|call|fax|pager|contact)\b\.?\s*(?:no\.?|number|#)?\s*[:#=|]?\s*\+?\(?\d[\d ().-]{5,}\d\b/gi;
const PHONE_INTERNATIONAL = /\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,5}\b/g;
const PHONE_NANP = /(\+?1[ .-]?)?(\(\d{3}\)\s*|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b/g;
const PHONE_LOCAL = /(?<![\w.-])\d{3}[-.]\d{4}(?![\w.-])/g;

/**
 * A rule, and optionally what any text it matches must hold (a character, a shorter expression):
 * tested first, so that a rule that cannot match is not run. A screen must be implied by the rule:
 * scrub.spec.ts checks each one against its rule on generated texts, and that scrubText gives what
 * the rules alone give.
 */
type Rule = readonly [RegExp, string | ((...groups: string[]) => string), Screen?];
type Screen = string | RegExp;

const RULES: readonly Rule[] = [
  [SEGMENT, (_m, lead: string) => `${lead}${tag('hl7-segment')}`, '|'],
  [/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, tag('email'), '@'],
  [/\b(?:ssn|ss#|social security(?: (?:number|no\.?|#))?)\s*[:#=|]?\s*\d{3}[- .]?\d{2}[- .]?\d{4}\b/gi, tag('ssn'), /\d{3}[- .]?\d{2}[- .]?\d{4}/],
  [/\b\d{3}-\d{2}-\d{4}\b|\b\d{3} \d{2} \d{4}\b/g, tag('ssn')],
  // Labelled identifiers first, so "MRN: AB12345" loses the value whatever its shape (spaced digit
  // groups included: "MRN: 000 123 45"); the value must hold a digit so that "PID lookup failed"
  // keeps its words.
  [/\b(?:mrn|mr#|medical record(?: (?:number|no\.?|#))?|patient(?: id)?|pid|acct|account(?: number)?)\s*[:#=|]?\s*[\w/-]*\d[\w/-]*(?:[ -]\d[\w/-]*)*/gi, tag('mrn')],
  [new RegExp(String.raw`\b(?:dob|d\.o\.b\.?|date of birth|born(?: on)?|birth ?date)\s*[:#=|]?\s*(?:${DATE_FORMS}|[\w/.-]*\d[\w/.,-]*\d)`, 'gi'), tag('dob'), /d\.?o\.?b|b(?:irth|orn)/i],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, tag('uuid')],
  // Every date form ends in two digits in a row (a year, a day, a month).
  [new RegExp(String.raw`\b(?:${DATE_FORMS})\b`, 'gi'), tag('date'), /\d\d/],
  [/\b(\d{1,3}\.){3}\d{1,3}(:\d+)?\b/g, tag('ip')],
  [PHONE_LABELLED, (match: string) => match.replace(/\+?\(?\d[\d ().-]{5,}\d$/, tag('phone'))],
  [PHONE_INTERNATIONAL, (match: string) => (match.replace(/\D/g, '').length >= 7 ? tag('phone') : match), '+'],
  [PHONE_NANP, tag('phone')],
  [PHONE_LOCAL, tag('phone')],
  [ADDRESS, tag('address')],
  [NAME_BEFORE_MRN, (match: string, first: string, _sep: string, second: string, gap: string) =>
    [first, second].some((t) => NOT_NAMES.has(t.toLowerCase())) ? match : `${tag('name')}${gap}`, /mrn/i],
  // The cues, "name", and the tags "[redacted:mrn]" and "[redacted:name]" (which hold "mr" and "name").
  [NAME_AFTER_CUE, (match: string, cue: string, gap: string, name: string) => redactName(match, cue, gap, name), /patient|pt|m[rsx]|miss|dr|caller|guarantor|nok|name/i],
  // Two or more capitalised words each ending in digits ("Carolee951 Sanford861", "Sanford861,
  // Carolee951", "Sanford861^Carolee951"): how Synthea, the synthetic patients hospitals test with,
  // writes every name, with no cue needed. No message of IT or clinical work pairs words like that.
  [/\b[A-Z][a-z]+\d{1,4}(?:(?:\s*,\s*|\s+|\^)[A-Z][a-z]+\d{1,4})+\b/g, tag('name'), /[a-z]\d/],
  // Licence, passport and account numbers: letters mixed with five or more digits ("S99993907").
  // HL7 table references ("HL70357") are codes, not people.
  [/\b(?!HL7\d{4}\b)(?=[A-Za-z\d]*[A-Za-z])(?=(?:[A-Za-z]*\d){5})[A-Za-z\d]{6,}\b/g, tag('id'), /\d[A-Za-z]*\d[A-Za-z]*\d[A-Za-z]*\d[A-Za-z]*\d/],
  // Any remaining long digit run could be an MRN, account or device serial tied to a patient.
  [/\b\d{6,}\b/g, tag('number')],
];

const startsUpper = (word: string) => /^[A-Z\u00C0-\u00DE]/.test(word);

function redactName(match: string, cue: string, gap: string, name: string): string {
  const tokens = name.split(/[\s,^]+/).filter(Boolean);
  const kept: string[] = [];
  for (const token of tokens) {
    if (NOT_NAMES.has(token.toLowerCase())) break;
    kept.push(token);
  }
  if (kept.length === 0) return match;
  // A capitalised word after a cue is a name; lower-case words only as a pair ("maria garcia"),
  // and never after "name"-less cues that are also ordinary capitals ("DR failover").
  const capitalised = startsUpper(kept[0] ?? '');
  const honorific = /^(?:mr|mrs|ms|miss|mx)\.?$/i.test(cue);
  if (!capitalised && kept.length < 2 && !honorific) return match;
  if (/^dr\.?$/i.test(cue) && !capitalised) return match;
  // Only the name tokens go; a trailing ordinary word ("Smith Cannot …") stays with the text.
  const ends = [...name.matchAll(/[^\s,^]+/g)].map((m) => m.index + m[0].length);
  return `${cue}${gap}${tag('name')}${name.slice(ends[kept.length - 1] ?? name.length)}`;
}

/**
 * Every rule needs a digit, an "@", an HL7 "|" or one of the cue words to find anything: text
 * with none of them (most alert summaries) skips the expressions altogether.
 */
const MAY_HOLD_IDENTIFIER = new RegExp(String.raw`[\d@|+]|\b(?:${[...CUES, 'name', 'mrn', 'redacted'].join('|')})\b`, 'i');

const CLEAN_KEPT = 10_000;
const CLEAN_LONGEST = 512;

/**
 * Texts the rules left as they were, remembered by whoever scrubs many (intake holds one CleanTexts
 * per thread; the core keeps none of its own): during a storm the same alert text arrives
 * thousands of times, and fourteen expressions over it were a few percent of all ingest CPU. Only
 * clean texts are kept (the filter found nothing to remove in them), so the memory holds nothing
 * the filter exists to keep out. Two generations of at most CLEAN_KEPT each: when the young one is
 * full it becomes the old one and the old one is dropped, and a text found in the old one moves
 * back to the young one. A storm of texts seen once (a host name per alert) then pushes out the
 * ones every alert repeats (a summary, a system) only if they were not seen for a generation;
 * emptying a single set when full dropped them every CLEAN_KEPT new texts, and they were scrubbed
 * again (1.6 rule runs per alert on the benchmark's workload, 1.3 with the two generations).
 */
export class CleanTexts {
  // Each text maps to itself: the copy kept (see detached), so one moved back to the young
  // generation is that copy, never the caller's string.
  private young = new Map<string, string>();
  private old = new Map<string, string>();

  constructor(private readonly most = CLEAN_KEPT) {}

  /** Whether `text` was kept; one found in the old generation moves back to the young one. */
  has(text: string): boolean {
    if (this.young.has(text)) return true;
    const kept = this.old.get(text);
    if (kept === undefined) return false;
    this.keep(kept);
    return true;
  }

  /** Keeps `text`, which must be a detached copy. */
  keep(text: string): void {
    if (this.young.size >= this.most) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(text, text);
  }
}

/**
 * A copy that shares no memory with `text`: a field cut out of a larger payload (an HL7 message's
 * MSH-3) can be a slice that keeps the whole payload, its PID segment included, alive.
 */
const detached = (text: string): string => JSON.parse(JSON.stringify(text)) as string;

/**
 * Replaces identifiers in free text by `[redacted:<kind>]`. Idempotent. With `clean` (the intake
 * path's, held by its owner), a text the rules once left alone is not run through them again.
 */
export function scrubText(text: string, clean?: CleanTexts): string {
  if (!MAY_HOLD_IDENTIFIER.test(text) || clean?.has(text)) return text;
  const out = applyRules(text, true);
  if (clean && out === text && text.length <= CLEAN_LONGEST) clean.keep(detached(text));
  return out;
}

/** The rules in order; with `screened`, each only where its screen holds (on the text as it is by then). */
function applyRules(text: string, screened: boolean): string {
  let out = text;
  for (const [pattern, replacement, screen] of RULES) {
    if (screened && screen !== undefined && !(typeof screen === 'string' ? out.includes(screen) : screen.test(out))) continue;
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

/** The scrubber without the per-rule screens and the memory of clean texts: what the specs hold scrubText to. */
export function scrubTextUnscreened(text: string): string {
  return MAY_HOLD_IDENTIFIER.test(text) ? applyRules(text, false) : text;
}

/** Each rule's pattern and screen, for the spec that checks every screen against its rule. */
export const SCREENED_RULES: ReadonlyArray<readonly [RegExp, Screen]> = RULES.flatMap(([pattern, , screen]) => (screen === undefined ? [] : [[pattern, screen] as const]));

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

/**
 * Iterative, so that a hostile body cannot blow the stack while being measured. It runs on every
 * request body: two plain stacks and key loops, no pair or value arrays per node, and only objects
 * are pushed (a string or a number has no depth to add).
 */
export function depthExceeds(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const objects: object[] = [value];
  const depths: number[] = [1];
  while (objects.length > 0) {
    const current = objects.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    for (const key in current) {
      if (!Object.hasOwn(current, key)) continue;
      const inner = current[key];
      if (typeof inner === 'object' && inner !== null) {
        objects.push(inner);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

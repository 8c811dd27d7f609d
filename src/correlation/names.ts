import type { CanonicalEvent } from './canonical-event.js';

/** A rule's id and version (RuleRef in rules.ts, which builds on this file). */
interface RuleId {
  id: string;
  version: number;
}

export const SCOPES = ['shared', 'local'] as const;
export type Scope = (typeof SCOPES)[number];

/**
 * A system as the site knows it: the code corral keeps, the other codes senders use for it, the
 * words people name it by, and whether it is one system for every facility (an EHR, SSO, the
 * interface engine: an outage is one incident wherever it is seen) or one per facility (a printer).
 */
export interface SystemRule extends RuleId {
  system: string;
  codes: string[];
  names: string[];
  scope?: Scope;
  /** What kind of system it is (ehr, interface-engine, device, printer …): routing rules can route by it. */
  class?: string;
}

/**
 * A kind of problem told by its words, whatever the sender calls it: a probe failing, a login
 * page timing out and "Epic is frozen" are all the system being unavailable. Events of one system
 * whose problem falls in a class share one signature; a problem in no class keeps its own code.
 */
export interface ProblemRule extends RuleId {
  class: string;
  words: string[];
  /** Only events of these kinds (an account's sign-in trouble is a class for identity events only). */
  kinds?: string[];
  /**
   * While an incident of this class is active on a shared system, that system's other problems in
   * no class join it: during an EHR outage, whatever the EHR's monitors say is the outage.
   */
  absorbs?: boolean;
  /**
   * Classes it explains besides problems in none: an identity provider that is itself down explains
   * its users' failed sign-ins (`sign-in`). Their incident stays its own (its account changes
   * still capture reports) and becomes the outage's child (route.ts: outageParents).
   */
  alsoAbsorbs?: string[];
  /**
   * Events of these kinds whose words fall in no class fall in this one. A monitor's alert says
   * something is failing on the system it watches, in words no list foresees ("decode failures
   * above 30%", "scan rate fell to 61%"): on one system at one place, at one time, that is one
   * problem, as Alertmanager's `group_by: [system, facility]` would have it. The classes named
   * by their words (upkeep, a patient's record) still stay apart.
   */
  otherwise?: string[];
  /**
   * Never a symptom of another system's incident: a disk filling up on the Pyxis server is not the
   * Pyxis interface being down, whatever the dependency rules say of Pyxis.
   */
  standsAlone?: boolean;
  /**
   * What people do not report in other words: a clinician's "can't see the ABGs in Epic" is not the
   * HL7 "patient not found" NACKs on Epic, nor a disk filling up on it. A report is about an
   * incident of this class only when it speaks of the class too, or of the incident's particulars.
   */
  unreported?: boolean;
  /**
   * One incident for the class at a place, whichever system reports it: "patient not found" from
   * Epic and a duplicate record from Rhapsody's reference-lab route are one records problem for HIM.
   */
  acrossSystems?: boolean;
}

/** A facility's code and the other codes senders write for it (an HL7 MSH-4, a FHIR name). */
export interface FacilityRule extends RuleId {
  facility: string;
  codes: string[];
  /** What people call it ("Overlake Medical Center"): shown on screens, never compared. */
  name?: string;
}

// Senders name one system and one site in many ways: an interface engine writes RHAPSODY and
// LAKESIDE in its HL7 header, the monitoring labels say rhapsody-engine and lakeside, a clinician
// writes "the Rhapsody interface". Correlation compares codes, so before an event is correlated
// its system and facility are put in the one form the rules declare (`systems`, `facilities`),
// every code compared without case, and a report that names its system only in words gets it from
// the words. Built once per rule set (compileRules); pure lookups afterwards.

export interface Lexicon {
  /** Every code a system is known by (lower case) → its rule. */
  systems: ReadonlyMap<string, SystemRule>;
  /** Patterns (`rhapsody-*` a prefix, `*-aruba` a suffix, `*printer*` a part), surest first: codes no exact entry names. */
  systemPatterns: ReadonlyArray<{ part: string; at: 'start' | 'end' | 'anywhere'; rule: SystemRule }>;
  facilities: ReadonlyMap<string, FacilityRule>;
  /** One pattern per declared facility, of its code and the codes senders write: whole words, any case. */
  facilitiesSpoken: ReadonlyArray<{ pattern: RegExp; rule: FacilityRule }>;
  /** One pattern per system that has names: whole words, any case. */
  spoken: ReadonlyArray<{ pattern: RegExp; rule: SystemRule }>;
  /** One pattern per problem class, in rule order: the first that a text matches wins. */
  problems: ReadonlyArray<{ pattern: RegExp; rule: ProblemRule }>;
  /** Single-word names long enough to be recognised misspelt (`meditec`, `impravata`), lower case. */
  misspellable?: ReadonlyArray<{ name: string; rule: SystemRule }>;
}


/** Systems a report may name only in its text: none given, or the helpdesk's placeholder. */
const UNNAMED = new Set(['unknown', '', '*', 'other', 'none', 'n/a']);

/**
 * A system the privacy filter had to replace by its token (`x-` and 16 hex digits): a Grafana rule
 * titled "Citrix logon duration p90 high" has no system label, and its title is not a code. The
 * token names nothing a rule can use, so the event's words name its system instead.
 */
const TOKEN = /^x-[0-9a-f]{16}$/;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Any of these words or phrases, whole, any case; longer ones first so a phrase is taken whole. */
export function wordsPattern(words: readonly string[]): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${[...words].sort((a, b) => b.length - a.length).map(escape).join('|')})(?![\\p{L}\\p{N}])`, 'iu');
}

export function compileLexicon(systems: readonly SystemRule[], facilities: readonly FacilityRule[], problems: readonly ProblemRule[] = []): Lexicon {
  const bySystem = new Map<string, SystemRule>();
  const patterns: Array<{ part: string; at: 'start' | 'end' | 'anywhere'; rule: SystemRule }> = [];
  for (const rule of systems) {
    for (const code of [rule.system, ...rule.codes]) {
      const head = code.startsWith('*');
      const tail = code.endsWith('*');
      if (head || tail) patterns.push({ part: code.replace(/^\*|\*$/g, ''), at: head && tail ? 'anywhere' : head ? 'end' : 'start', rule });
      else if (!bySystem.has(code)) bySystem.set(code, rule);
    }
  }
  // A prefix or suffix is surer than a part, and a longer pattern surer than a shorter one.
  patterns.sort((a, b) => Number(a.at === 'anywhere') - Number(b.at === 'anywhere') || b.part.length - a.part.length);
  const byFacility = new Map<string, FacilityRule>();
  const facilityNames = facilityNamesOf(facilities);
  for (const rule of facilities) for (const code of facilityNames.get(rule) ?? []) if (!byFacility.has(code)) byFacility.set(code, rule);
  const spoken = systems
    .filter((rule) => rule.names.length > 0)
    // Longer names first, so "epic haiku" is taken whole before "epic".
    .map((rule) => ({ pattern: wordsPattern(rule.names), rule }));
  const facilitiesSpoken = facilities.map((rule) => ({ pattern: wordsPattern(facilityNames.get(rule) ?? []), rule }));
  const misspellable = systems.flatMap((rule) => rule.names.filter((name) => MISSPELLABLE.test(name)).map((name) => ({ name: name.toLowerCase(), rule })));
  return { systems: bySystem, systemPatterns: patterns, facilities: byFacility, facilitiesSpoken, spoken, problems: problems.map((rule) => ({ pattern: wordsPattern(rule.words), rule })), misspellable };
}

/** The words of a facility's name that say what kind of place it is, not which place. */
const PLACE_WORD = "(?:regional|community|memorial|general|university|medical|health|family|children['’]?s|women['’]?s|hospital|hospitals|center|centre|clinic|clinics|campus|healthcare|care|of|the)";
const TRAILING_PLACE_WORDS = new RegExp(`(?:\\s+${PLACE_WORD})+$`, 'i');
const ONLY_PLACE_WORDS = new RegExp(`^${PLACE_WORD}(?:\\s+${PLACE_WORD})*$`, 'i');

/**
 * Each facility's codes and the short form people say of each name in words: "Cedar Bluff" of
 * "Cedar Bluff Community Hospital", "Sumac Street" of "Sumac Street Family Clinic". Not a short
 * form made only of such words ("General" of "General Hospital"), one of a single word under five
 * letters, or one two facilities would share ("St Mary's" of two St Mary's): that names no one place.
 */
function facilityNamesOf(facilities: readonly FacilityRule[]): Map<FacilityRule, string[]> {
  const shortOf = (code: string) => {
    if (!/\s/.test(code)) return undefined;
    const short = code.replace(TRAILING_PLACE_WORDS, '').trim().toLowerCase();
    return short && short !== code && !ONLY_PLACE_WORDS.test(short) && (/\s/.test(short) || short.length >= 5) ? short : undefined;
  };
  const codes = new Set(facilities.flatMap((rule) => [rule.facility, ...rule.codes]));
  const owners = new Map<string, Set<FacilityRule>>();
  for (const rule of facilities) for (const code of rule.codes) {
    const short = shortOf(code);
    if (short) owners.set(short, (owners.get(short) ?? new Set()).add(rule));
  }
  return new Map(facilities.map((rule) => {
    const shorts = [...owners].filter(([short, by]) => by.size === 1 && by.has(rule) && !codes.has(short)).map(([short]) => short);
    return [rule, [rule.facility, ...rule.codes, ...shorts]];
  }));
}

/**
 * The problem class of an event, if its words name one. An alert's name is read as words
 * (`HyperspaceProbeFailed` → "Hyperspace Probe Failed", `login_timeout` → "login timeout").
 */
export function problemClassOf(lexicon: Lexicon, event: Pick<CanonicalEvent, 'errorSignature' | 'symptom'> & { kind?: CanonicalEvent['kind'] }): ProblemRule | undefined {
  if (lexicon.problems.length === 0) return undefined;
  const code = event.errorSignature ? event.errorSignature.replace(/([a-z\d])([A-Z])/g, '$1 $2').replace(/[_.:-]+/g, ' ') : '';
  for (const { pattern, rule } of lexicon.problems) {
    if (rule.kinds && (event.kind === undefined || !rule.kinds.includes(event.kind))) continue;
    if (pattern.test(code) || pattern.test(event.symptom)) return rule;
  }
  return event.kind === undefined ? undefined : lexicon.problems.find(({ rule }) => rule.otherwise?.includes(event.kind as string))?.rule;
}

/** The system rule of a code (any case, any of its codes), if the rules declare it. */
export function systemRule(lexicon: Lexicon, code: string): SystemRule | undefined {
  const lower = code.toLowerCase();
  const exact = lexicon.systems.get(lower);
  if (exact) return exact;
  for (const { part, at, rule } of lexicon.systemPatterns) {
    if (at === 'start' ? lower.startsWith(part) : at === 'end' ? lower.endsWith(part) : lower.includes(part)) return rule;
  }
  return undefined;
}

/**
 * The code an event keeps: the rule's own system, unless that is itself a pattern (`printer*`
 * declares every printer local without making them one system).
 */
function canonicalSystem(rule: SystemRule | undefined, code: string): string {
  return rule && !rule.system.includes('*') ? rule.system : code;
}

/** Every system a text names, in the order they are first mentioned ("Epic can't print to the Zebra" is about Epic first). */
export function systemsNamedIn(lexicon: Lexicon, text: string): SystemRule[] {
  const found: Array<{ at: number; rule: SystemRule }> = [];
  for (const { pattern, rule } of lexicon.spoken) {
    const match = pattern.exec(text);
    if (match) found.push({ at: match.index, rule });
  }
  for (const misspelt of misspeltNames(lexicon, text)) if (!found.some((f) => f.rule === misspelt.rule)) found.push(misspelt);
  return found.sort((a, b) => a.at - b.at).map((f) => f.rule);
}

/** A name of one word, letters only, of at least seven: shorter ones have too many English neighbours ("Cerner", "corner"). */
const MISSPELLABLE = /^\p{L}{7,}$/u;

/**
 * Names people write misspelt, as the helpdesk types what it hears: one letter wrong, missing,
 * extra or two swapped (`Meditec`, `Impravata`, `Imprivatta`), or a name split in two (`Medi-tech`).
 * Only names of seven letters or more, and only one edit: a longer reach starts naming words.
 */
function misspeltNames(lexicon: Lexicon, text: string): Array<{ at: number; rule: SystemRule }> {
  const names = lexicon.misspellable ?? [];
  if (names.length === 0) return [];
  const found: Array<{ at: number; rule: SystemRule }> = [];
  const words = [...text.matchAll(/\p{L}+/gu)];
  for (const [i, match] of words.entries()) {
    const word = match[0].toLowerCase();
    const next = words[i + 1]?.[0];
    const joined = next === undefined ? undefined : word + next.toLowerCase();
    for (const { name, rule } of names) {
      if (withinOneEdit(word, name) || (joined !== undefined && withinOneEdit(joined, name))) found.push({ at: match.index, rule });
    }
  }
  return found;
}

/**
 * Whether two words differ by at most one edit, a transposition of neighbours counting as one
 * (optimal string alignment). By hand: a library's full distance is more than this yes/no needs,
 * and the common ones count a swap as two edits, which is the commonest typing slip.
 */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    // One substitution, or one swap of neighbours.
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  // One letter more in the longer one.
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * The one declared facility a text names, for an event that gave none ("23 devices in
 * LAKESIDE/Nursing/BCMA exceeded decode error threshold"); none when it names two or none.
 */
function facilityNamedIn(lexicon: Lexicon, text: string): FacilityRule | undefined {
  let found: FacilityRule | undefined;
  for (const { pattern, rule } of lexicon.facilitiesSpoken) {
    if (!pattern.test(text)) continue;
    if (found) return undefined;
    found = rule;
  }
  return found;
}

/** The class of the systems that carry other systems' feeds (Rhapsody, Cloverleaf, Mirth). */
const ENGINE = 'interface-engine';
/** A machine name in a text: letters and digits joined by `_`, `-` or `.`, as channels and routes are named. */
const MACHINE_NAME = /[A-Za-z0-9]+(?:[_.-][A-Za-z0-9]+)+/g;

/**
 * The channel an interface engine's alert is about, when its text names one the rules declare as a
 * system of its own ("OVL_RX_ORDERS_TO_PYXIS destination queue at 412 messages" from the Mirth
 * server's monitoring is the Pyxis interface's): the engine carries many feeds, and the one that is
 * failing is what the alert is about.
 */
function channelNamedIn(lexicon: Lexicon, text: string, engine: SystemRule): SystemRule | undefined {
  for (const [name] of text.matchAll(MACHINE_NAME)) {
    const rule = systemRule(lexicon, name);
    if (rule && rule !== engine && !rule.system.includes('*')) return rule;
  }
  return undefined;
}

/**
 * The interface engine whose channel a code is, when the event comes from that engine (its source
 * system is an engine the rules declare: `mirth-<server id>`) and the code has a channel's shape
 * (words joined by `_`): engines name their errors by channel, and a site names its channels by
 * site, message type and endpoint (`KRMC_ORM_OUT_SUNQUEST`), so each channel would otherwise be a
 * system of its own and the engine's outage twenty incidents.
 */
function engineOfChannel(lexicon: Lexicon, event: Pick<CanonicalEvent, 'source'>, code: string): SystemRule | undefined {
  if (!code.includes('_')) return undefined;
  const engine = systemRule(lexicon, event.source.system) ?? systemRule(lexicon, event.source.type);
  return engine?.class === ENGINE && !engine.system.includes('*') ? engine : undefined;
}

/** The one facility a channel's name gives by its code (`HRWG` of `HRWG_ADT_from_Expanse`), if any. */
function facilityInChannel(lexicon: Lexicon, code: string): string | undefined {
  const found = new Set(code.split(/[_.-]+/).flatMap((part) => lexicon.facilities.get(part)?.facility ?? []));
  return found.size === 1 ? [...found][0] : undefined;
}

/** Words in a code that say which part, copy or watcher of a system it is, not which system. */
const PART_WORDS = new Set([
  'prod', 'prd', 'production', 'live', 'app', 'apps', 'web', 'mt', 'exe', 'svc', 'service', 'server', 'srv', 'node', 'client', 'api', 'ui',
  'primary', 'secondary', 'snmp', 'blackbox', 'exporter', 'probe', 'synthetic', 'monitor', 'check', 'icinga', 'nagios', 'zabbix', 'prometheus',
  // A load balancer's view of the application behind it (an F5 pool `pool_expanse_web_443`, a VIP).
  'pool', 'vip', 'lb', 'vs', 'f5', 'http', 'https', 'ssl', 'tls', 'frontend', 'backend', 'tier', 'farm', 'cluster', 'db', 'sql',
]);

/** The system a code is named after, when the rest of it only says which part or watcher of it. */
function nameInCode(lexicon: Lexicon, code: string): SystemRule | undefined {
  const words = code.split(/[-_.:/\s]+/).filter(Boolean);
  for (const { pattern, rule } of lexicon.spoken) {
    if (rule.system.includes('*')) continue;
    const rest = words.filter((word) => !pattern.test(word) && !namedWithPart(pattern, word));
    if (rest.length < words.length && rest.every((word) => PART_WORDS.has(word) || /^\d+$/.test(word))) return rule;
  }
  return undefined;
}

/** A name and a part word written as one (`expanseweb`, `epicprod`, `cernerapp01`). */
function namedWithPart(pattern: RegExp, word: string): boolean {
  const numberless = word.replace(/\d+$/, '');
  const stem = /^(.{3,}?)(prod|prd|web|app|apps|api|srv|svc|db|sql)$/.exec(numberless)?.[1];
  return (numberless !== word && numberless.length >= 3 && pattern.test(numberless)) || (stem !== undefined && pattern.test(stem));
}

/**
 * The rules with each facility code written in words ("Pell Creek", "St. Jude") also under the
 * tokens the privacy filter gives such a value, in the casings senders write it (as declared,
 * lower, upper, each word capitalised): a facility field that is not a code is kept only as a keyed
 * token, so without these a site could not declare the name its helpdesk writes. `tokenOf` is the
 * filter's own (`codeToken` under the deployment's key): the core never holds the key.
 */
export function withFacilityTokens<R extends { facilities: readonly FacilityRule[]; lexicon: Lexicon }>(rules: R, tokenOf: (value: string) => string): R {
  const facilities = new Map(rules.lexicon.facilities);
  let added = false;
  const facilityNames = facilityNamesOf(rules.facilities);
  for (const rule of rules.facilities) {
    for (const code of facilityNames.get(rule) ?? []) {
      if (!/\s/.test(code.trim())) continue;
      const words = code.trim().split(/\s+/);
      const variants = new Set([code.trim(), words.join(' '), words.join(' ').toLowerCase(), words.join(' ').toUpperCase(), words.map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join(' ')]);
      for (const variant of variants) {
        const token = tokenOf(variant);
        if (!facilities.has(token)) {
          facilities.set(token, rule);
          added = true;
        }
      }
    }
  }
  return added ? { ...rules, lexicon: { ...rules.lexicon, facilities } } : rules;
}

/** Whether a system code is the placeholder of a report that named none. */
export function isUnnamed(system: string): boolean {
  return UNNAMED.has(system.toLowerCase());
}

export interface Named {
  event: CanonicalEvent;
  /** The rules that renamed its system or facility, for the journal; absent when nothing changed but case. */
  namedBy?: RuleId[];
}

/**
 * The event with its system and facility in canonical form: lower case, a declared code's own
 * system or facility, and for an event without a usable system (none, or a token) the one its text names. The same object
 * when nothing changes.
 */
export function nameEvent(event: CanonicalEvent, lexicon: Lexicon): Named {
  const code = event.system.toLowerCase();
  let rule = systemRule(lexicon, code);
  if (!rule && (UNNAMED.has(code) || TOKEN.test(code))) rule = systemsNamedIn(lexicon, event.symptom)[0];
  // A code no rule knows may still be a system's name and words that only say which part or copy
  // of it (a job `millennium-mt`, a process `PowerChart.exe`, `snmp-network`); `epic-clarity`
  // (Epic's reporting database) is another system, and keeps its code.
  else if (!rule) rule = nameInCode(lexicon, code);
  else if (rule?.class === ENGINE && event.kind !== 'report') rule = channelNamedIn(lexicon, event.symptom, rule) ?? rule;
  // A channel no rule declares, named by the engine that reports its errors (`HRWG_ADT_from_Expanse`
  // from a Mirth server), that is down or not moving (an outage class): the engine's outage, at the
  // site the channel's name says. A channel's content error (a serializer error, a NACK's code) stays
  // the channel's: one feed's rejected message is not the engine down.
  // The cheap test first: most codes are no engine's channel, and then the words need no reading.
  const channelOf = !rule && event.kind !== 'report' ? engineOfChannel(lexicon, event, code) : undefined;
  const engine = channelOf && problemClassOf(lexicon, event)?.absorbs ? channelOf : undefined;
  if (engine) rule = engine;
  const system = canonicalSystem(rule, code);
  const place = event.facility?.toLowerCase() ?? (engine ? facilityInChannel(lexicon, code) : undefined);
  // No facility given: the one its words name, else the one its requester's e-mail domain names
  // (`lakeside.example`), where the hospitals of a system keep their own.
  const domain = event.labels?.requesterDomain;
  const facilityRule = place === undefined ? (facilityNamedIn(lexicon, event.symptom) ?? (domain ? facilityNamedIn(lexicon, domain) : undefined)) : lexicon.facilities.get(place);
  const facility = facilityRule?.facility ?? place;
  if (system === event.system && facility === event.facility) return { event };
  const namedBy = [system !== code ? rule : undefined, facilityRule].flatMap((r) => (r ? [{ id: r.id, version: r.version }] : []));
  // The channel stays told: which feed failed is what the integration team asks first.
  const labels = engine ? { labels: { ...event.labels, channel: event.system } } : {};
  return { event: { ...event, system, ...(facility !== undefined ? { facility } : {}), ...labels }, ...(namedBy.length > 0 ? { namedBy } : {}) };
}

/** The problem class a signature carries (`~degraded` → `degraded`), if any. */
export function problemClassOfSignature(signature: string): string | undefined {
  return signature.split('|').find((field) => field.startsWith('~'))?.slice(1);
}

/** The rule of a problem class, by its name. */
export function problemRule(lexicon: Lexicon, problem: string): ProblemRule | undefined {
  return lexicon.problems.find(({ rule }) => rule.class === problem)?.rule;
}

/** Whether the signature's problem class stands alone (upkeep): nobody's symptom. */
export function standsAlone(lexicon: Lexicon, signature: string): boolean {
  const problem = problemClassOfSignature(signature);
  return problem !== undefined && problemRule(lexicon, problem)?.standsAlone === true;
}

import ms from 'ms';
import { EVENT_KINDS, SEVERITIES, SOURCE_TYPES, type CanonicalEvent, type EventKind, type Severity, type SourceType } from './canonical-event.js';
import { compileLexicon, SCOPES, wordsPattern, type FacilityRule, type Lexicon, type ProblemRule, type SystemRule } from './names.js';

export type { FacilityRule, ProblemRule, Scope, SystemRule } from './names.js';

// Declarative correlation rules (config/rules/*.yaml), compiled once into a RuleSet. Every rule has
// an id and a version; every decision a rule causes records both, so the journal explains itself.

export interface RuleRef {
  id: string;
  version: number;
}

export interface Match {
  kinds?: EventKind[];
  sources?: SourceType[];
  systems?: string[];
}

export const SIGNATURE_FIELDS = ['system', 'facility', 'department', 'errorSignature', 'symptom', 'problem', 'source', 'kind', 'person'] as const;
export type SignatureField = (typeof SIGNATURE_FIELDS)[number];

export interface SignatureRule extends RuleRef {
  match: Match;
  fields: SignatureField[];
}

export interface WindowRule extends RuleRef {
  match: Match;
  groupWaitMs: number;
  /** After the ticket opened, children that change are told at most once per this long (0: at every batch). */
  updateIntervalMs: number;
  reopenWindowMs: number;
  autoResolveAfterMs: number;
  flapThreshold: number;
  flapWindowMs: number;
}

export interface ReportRule extends RuleRef {
  systems?: string[];
  /** A report that names a facility only matches incidents tied to that facility, or to none. */
  sameFacility: boolean;
  attachAt: number;
  suggestAt: number;
  /**
   * Words with which people say care is affected ("we're on paper", "using override", "cases will
   * be late"): a report saying one counts as patient impact for its incident, as a sender's
   * `patientImpact: true` would. Compiled into `carePattern`.
   */
  careWords?: string[];
  carePattern?: RegExp;
  /**
   * Words with which people say they cannot sign in ("can't log in", "sign in failed", "locked
   * out"): such a report that finds no incident of its own joins the sign-in trouble many people
   * share, when there is some (an identity provider's outage, or a crowd's identity incident).
   * Compiled into `signInPattern`.
   */
  signInWords?: string[];
  signInPattern?: RegExp;
}

/** The report rule for a report on `system`: the first whose `systems` hold it, or that names none. */
export function reportRuleFor(rules: Pick<RuleSet, 'reports'>, system: string): ReportRule | undefined {
  return rules.reports.find((r) => !r.systems || r.systems.includes(system));
}

/** What a spread rule looks across: facilities (a system of unknown scope) or people (one account's trouble). */
export const SPREAD_ACROSS = ['facility', 'person'] as const;
export type SpreadAcross = (typeof SPREAD_ACROSS)[number];

/**
 * The same problem seen again where the signature says it is another one. Across `facility`, on a
 * system no `systems` rule gives a scope: the same problem from another facility within `withinMs`
 * of an incident's opening joins that incident (it is shared after all). Across `person`, for a
 * signature with the `person` field: another account's same trouble (the same identity action)
 * within `withinMs` of an account's last event joins that account's incident, which is then a crowd's
 * (a tenant's MFA failing for everyone) rather than one person's.
 */
export interface SpreadRule extends RuleRef {
  match: Match;
  withinMs: number;
  across: SpreadAcross;
  /** Only events of these problem classes (08-problems.yaml) spread; absent: any. */
  classes?: string[];
  /** Across people: only another account's same identity action (a lockout joins lockouts) forms a crowd. */
  sameAction?: true;
}

export interface DependencyRule extends RuleRef {
  upstream: string;
  /**
   * The systems that depend on it; `*` is every system at the upstream incident's own facility
   * that the rules do not declare shared (a site's network carries its cabinets, phones and
   * devices, not the EHR every site uses).
   */
  downstream: string[];
  /** Only downstream incidents whose title says one of these (whole words, any case) are its children. */
  words?: string[];
  /** `words`, compiled with the rules. */
  wordsPattern?: RegExp;
  /**
   * How long a new incident on a downstream system waits before its own ticket opens (at least its
   * window's groupWait): the upstream's monitors may speak a little after the symptom's (Imprivata's
   * alerts at once, the Okta RADIUS agents' a minute later), and a symptom parented in that time is
   * told on its cause's ticket instead of paging a second team.
   */
  waitMs?: number;
}

export interface MaintenanceRule extends RuleRef {
  systems?: string[];
  facilities?: string[];
  from: string;
  to: string;
}

export interface IdentityRule extends RuleRef {
  actions: string[];
  /**
   * Problem classes (08-problems.yaml) of identity incidents whose people's reports it captures,
   * whatever action opened them: a provisioning run's patch, group removal and deactivation are
   * one `account-change` incident, opened by whichever came first.
   */
  classes?: string[];
  withinMs: number;
}

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface PriorityRule extends RuleRef {
  when: { severities?: Severity[]; patientImpact?: boolean; minFacilities?: number; minRequesters?: number; systems?: string[] };
  priority: Priority;
}

export interface RoutingRule extends RuleRef {
  when: {
    kinds?: EventKind[];
    sources?: SourceType[];
    /** System names; `epic-*` matches a prefix, `*-interface` a suffix. */
    systems?: string[];
    facilities?: string[];
    /** Classes of the incident's system, as the `systems` rules declare them (printer, device, interface-engine …). */
    classes?: string[];
    /** Case-insensitive regular expressions over the incident's error signature and title. */
    errorSignature?: string;
    symptom?: string;
    patientImpact?: boolean;
    priorities?: Priority[];
    minFacilities?: number;
    /** Departments any of the incident's children came from (codes, any case). */
    departments?: string[];
    /** Roles any of its requesters hold (codes such as nurse, physician, pharmacist; never who). */
    requesterRoles?: string[];
    /** Holds only inside (`calendar`) or only outside (`outside`) a calendar's hours. */
    calendar?: string;
    outside?: string;
  };
  /** Queue name; `{facility}` becomes the incident's first facility (facility desks). */
  queue: string;
}

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * When a team works, in its own time zone: the days, the hours (`07:00-18:00`; `22:00-06:00` runs
 * over midnight) and the holidays (dates in that zone) it does not.
 */
export interface CalendarRule extends RuleRef {
  zone: string;
  days: Weekday[];
  /** Minutes after midnight, [from, to). */
  fromMinute: number;
  toMinute: number;
  holidays: string[];
}

/** Who of a rotation is on call for some queues: one hands over to the next at `handoff`, weekly or daily. */
export interface OnCallRule extends RuleRef {
  queues: string[];
  zone: string;
  rotation: string[];
  /** The date (in the zone) the rotation's first entry starts, at the first handover on or after it. */
  start: string;
  /** Weekly when a day is given (`mon 08:00`), else daily (`08:00`). */
  handoffDay?: Weekday;
  handoffMinute: number;
}

export interface EscalationRule extends RuleRef {
  /** Queues this applies to; `*` for all. */
  queues: string[];
  /** Time to acknowledge, per priority: one step per entry, measured from the ticket's opening. */
  steps: Partial<Record<Priority, number[]>>;
}

export interface RuleSet {
  calendars: CalendarRule[];
  systems: SystemRule[];
  facilities: FacilityRule[];
  problems: ProblemRule[];
  /** The two sections above as lookups (names.ts), built once with the rule set. */
  lexicon: Lexicon;
  routing: RoutingRule[];
  escalation: EscalationRule[];
  oncall: OnCallRule[];
  signatures: SignatureRule[];
  spread: SpreadRule[];
  windows: WindowRule[];
  reports: ReportRule[];
  dependencies: DependencyRule[];
  maintenance: MaintenanceRule[];
  identity: IdentityRule[];
  priority: PriorityRule[];
}

export const ref = (rule: RuleRef): RuleRef => ({ id: rule.id, version: rule.version });

export function matches(match: Match, event: Pick<CanonicalEvent, 'kind' | 'source' | 'system'>): boolean {
  return (
    (!match.kinds || match.kinds.includes(event.kind)) &&
    (!match.sources || match.sources.includes(event.source.type)) &&
    (!match.systems || match.systems.includes(event.system))
  );
}

/** The built-in fallbacks, used when no file says otherwise; the shipped files restate them. */
export const FALLBACK_SIGNATURE: SignatureRule = { id: 'builtin.signature', version: 1, match: {}, fields: ['system', 'problem', 'facility'] };
export const FALLBACK_WINDOW: WindowRule = {
  id: 'builtin.window',
  version: 1,
  match: {},
  groupWaitMs: 30_000,
  updateIntervalMs: 30_000,
  reopenWindowMs: 30 * 60_000,
  autoResolveAfterMs: 4 * 3_600_000,
  flapThreshold: 4,
  flapWindowMs: 10 * 60_000,
};
export const FALLBACK_PRIORITY: PriorityRule = { id: 'builtin.priority', version: 1, when: {}, priority: 'P4' };
export const FALLBACK_ROUTE: RoutingRule = { id: 'builtin.route', version: 1, when: {}, queue: 'service-desk' };

export function windowFor(rules: RuleSet, event: Pick<CanonicalEvent, 'kind' | 'source' | 'system'>): WindowRule {
  return rules.windows.find((rule) => matches(rule.match, event)) ?? FALLBACK_WINDOW;
}

// ---------------------------------------------------------------------------------------------
// Compilation: plain parsed YAML in, RuleSet out, or every problem named by file, rule and field.

export interface RuleSource {
  file: string;
  document: unknown;
  /**
   * Which rules directory it came from, counted from the first (0). A later directory is a site's
   * own: its rules are consulted before the earlier ones' (first match wins in routing, priority,
   * signatures, windows), and a rule with the id of an earlier directory's replaces it.
   */
  layer?: number;
}

export class RuleError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid rules:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const SECTIONS = ['calendars', 'systems', 'facilities', 'problems', 'signatures', 'spread', 'windows', 'reports', 'dependencies', 'maintenance', 'identity', 'priority', 'routing', 'escalation', 'oncall'] as const;
type Section = (typeof SECTIONS)[number];

type Obj = Record<string, unknown>;

class Reader {
  constructor(
    readonly problems: string[],
    readonly where: string,
    readonly item: Obj,
  ) {}

  /** A reader for a nested map, reporting under the same rule. */
  child(field: string): Reader {
    const raw = this.item[field] ?? {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      this.fail(field, 'must be a map');
      return new Reader(this.problems, this.where, {});
    }
    return new Reader(this.problems, this.where, raw as Obj);
  }

  has(field: string): boolean {
    return this.item[field] !== undefined;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T | undefined {
    const value = this.item[field];
    if (typeof value !== 'string' || !allowed.includes(value as T)) return this.fail(field, `must be one of ${allowed.join(', ')}`);
    return value as T;
  }

  private fail(field: string, message: string): undefined {
    this.problems.push(`${this.where}: field "${field}" ${message}`);
    return undefined;
  }

  string(field: string, required = true): string | undefined {
    const value = this.item[field];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value.trim() === '') return this.fail(field, 'must be a non-empty string');
    return value;
  }

  int(field: string, min: number, fallback?: number): number | undefined {
    const value = this.item[field] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) return this.fail(field, `must be a whole number ≥ ${min}`);
    return value;
  }

  fraction(field: string, fallback: number): number | undefined {
    const value = this.item[field] ?? fallback;
    if (typeof value !== 'number' || value < 0 || value > 1) return this.fail(field, 'must be a number from 0 to 1');
    return value;
  }

  bool(field: string, fallback?: boolean): boolean | undefined {
    const value = this.item[field] ?? fallback;
    if (typeof value !== 'boolean') return this.fail(field, 'must be true or false');
    return value;
  }

  duration(field: string, fallback?: number): number | undefined {
    const value = this.item[field];
    if (value === undefined && fallback !== undefined) return fallback;
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined) return this.fail(field, 'must be a duration such as 30s, 5m, 4h or 1d');
    return ms;
  }

  /** An IANA time zone the runtime knows (calendars and rotations are read in it). */
  zone(field: string): string | undefined {
    const value = this.string(field);
    if (value === undefined) return undefined;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      return value;
    } catch {
      return this.fail(field, 'must be an IANA time zone such as America/Chicago or Europe/Berlin');
    }
  }

  /** A code as events carry it (no spaces), kept in lower case: codes are compared without case. */
  code(field: string): string | undefined {
    const value = this.string(field);
    if (value === undefined) return undefined;
    if (/\s/.test(value)) return this.fail(field, 'must be a code without spaces (such as epic-hyperspace)');
    return value.toLowerCase();
  }

  instant(field: string): string | undefined {
    const value = this.item[field];
    const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime())) return this.fail(field, 'must be an ISO-8601 date-time');
    return date.toISOString();
  }

  list<T extends string>(field: string, allowed?: readonly T[], required = false): T[] | undefined {
    const value = this.item[field];
    if (value === undefined && !required) return undefined;
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '')) {
      return this.fail(field, 'must be a non-empty list of strings');
    }
    const bad = allowed ? value.filter((v) => !allowed.includes(v as T)) : [];
    if (bad.length > 0) return this.fail(field, `has ${bad.map((b) => `"${String(b)}"`).join(', ')}; allowed: ${allowed?.join(', ')}`);
    return value as T[];
  }

  match(): Match {
    const raw = this.item.match;
    if (raw === undefined) return {};
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      this.fail('match', 'must be a map of kinds / sources / systems');
      return {};
    }
    const inner = new Reader(this.problems, this.where, raw as Obj);
    const kinds = inner.list('kinds', EVENT_KINDS);
    const sources = inner.list('sources', SOURCE_TYPES);
    const systems = inner.list('systems');
    return { ...(kinds ? { kinds } : {}), ...(sources ? { sources } : {}), ...(systems ? { systems } : {}) };
  }

  unknown(known: string[]): void {
    for (const key of Object.keys(this.item)) if (!known.includes(key)) this.fail(key, 'is not a known field');
  }
}

/**
 * A duration with its unit ("90s", "5m", "1.5h", "2 days"), read by `ms`. A bare number is refused,
 * as it always was: in a rule file "5" could as well mean seconds or minutes as milliseconds.
 */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^\d*\.?\d+\s*[a-z]+$/i.test(trimmed)) return undefined;
  // ms allows spaces between number and unit, the old grammar any whitespace: keep accepting both.
  const value = ms(trimmed.replace(/\s+/, ' ') as ms.StringValue) as number | undefined;
  return value === undefined || !Number.isFinite(value) ? undefined : Math.round(value);
}

export function compileRules(sources: RuleSource[]): RuleSet {
  const problems: string[] = [];
  const set: Omit<RuleSet, 'lexicon'> = { calendars: [], systems: [], facilities: [], problems: [], signatures: [], spread: [], windows: [], reports: [], dependencies: [], maintenance: [], identity: [], priority: [], routing: [], escalation: [], oncall: [] };
  const seen = new Map<string, { where: string; layer: number }>();
  const layerOf = new Map<RuleRef, number>();
  /** Ids a later directory redefines: the earlier directory's rule gives way. */
  const replaced = new Map<string, number>();

  for (const { file, document, layer = 0 } of sources) {
    if (document === null || document === undefined) continue;
    if (typeof document !== 'object' || Array.isArray(document)) {
      problems.push(`${file}: must be a map with sections ${SECTIONS.join(', ')}`);
      continue;
    }
    for (const [section, items] of Object.entries(document as Obj)) {
      if (!SECTIONS.includes(section as Section)) {
        problems.push(`${file}: unknown section "${section}" (sections: ${SECTIONS.join(', ')})`);
        continue;
      }
      if (!Array.isArray(items)) {
        problems.push(`${file}: section "${section}" must be a list of rules`);
        continue;
      }
      items.forEach((item: unknown, index) => {
        const label = `${file}: ${section}[${index}]`;
        if (typeof item !== 'object' || item === null || Array.isArray(item)) {
          problems.push(`${label}: must be a map`);
          return;
        }
        const id = (item as Obj).id;
        const where = typeof id === 'string' ? `${file}: rule "${id}" (${section}[${index}])` : label;
        const r = new Reader(problems, where, item as Obj);
        const ruleId = r.string('id');
        const version = r.int('version', 1);
        if (ruleId !== undefined) {
          const previous = seen.get(ruleId);
          if (previous && previous.layer === layer) problems.push(`${where}: field "id" repeats the id of ${previous.where}`);
          else if (previous) replaced.set(ruleId, Math.max(layer, replaced.get(ruleId) ?? layer));
          seen.set(ruleId, { where, layer });
        }
        const before = problems.length;
        const rule = readRule(section as Section, r);
        if (ruleId === undefined || version === undefined || !rule || problems.length > before) return;
        const compiled: RuleRef = { id: ruleId, version, ...rule };
        layerOf.set(compiled, layer);
        (set[section as Section] as RuleRef[]).push(compiled);
      });
    }
  }
  // A site's directory first, each section keeping its files' order within a directory; a rule
  // another directory redefines (by id) is the later directory's alone.
  for (const section of SECTIONS) {
    const list = set[section] as RuleRef[];
    const kept = list.filter((rule) => (layerOf.get(rule) ?? 0) >= (replaced.get(rule.id) ?? 0));
    const ordered = kept.map((rule, index) => ({ rule, index })).sort((a, b) => (layerOf.get(b.rule) ?? 0) - (layerOf.get(a.rule) ?? 0) || a.index - b.index);
    (set as unknown as Record<Section, RuleRef[]>)[section] = ordered.map((o) => o.rule);
  }
  problems.push(...checkNames(set.systems, set.facilities));
  problems.push(...checkCalendars(set.routing, set.calendars));
  const lexicon = compileLexicon(set.systems, set.facilities, set.problems);
  const compiled = canonicalCodes({ ...set, lexicon });
  problems.push(...checkDependencies(compiled.dependencies));
  if (problems.length > 0) throw new RuleError(problems);
  return compiled;
}

/** A routing rule naming a calendar that no `calendars` rule defines would never (or always) hold. */
function checkCalendars(routing: RoutingRule[], calendars: CalendarRule[]): string[] {
  const known = new Set(calendars.map((c) => c.id));
  return routing.flatMap((rule) =>
    [rule.when.calendar, rule.when.outside].flatMap((id) => (id !== undefined && !known.has(id) ? [`routing: rule "${rule.id}" names calendar "${id}", which no calendars rule defines (known: ${[...known].join(', ') || 'none'})`] : [])),
  );
}

/** A code two systems (or two facilities) claim would make the rules' meaning depend on their order. */
function checkNames(systems: SystemRule[], facilities: FacilityRule[]): string[] {
  const problems: string[] = [];
  const claim = (kind: string, owners: Map<string, string>, code: string, id: string) => {
    const owner = owners.get(code);
    if (owner !== undefined && owner !== id) problems.push(`${kind}: code "${code}" is claimed by both "${owner}" and "${id}"`);
    owners.set(code, id);
  };
  const systemOwners = new Map<string, string>();
  for (const rule of systems) for (const code of [rule.system, ...rule.codes]) claim('systems', systemOwners, code, rule.id);
  const facilityOwners = new Map<string, string>();
  for (const rule of facilities) for (const code of [rule.facility, ...rule.codes]) claim('facilities', facilityOwners, code, rule.id);
  return problems;
}

/**
 * Events are correlated with their codes in canonical form (names.ts): lower case, a declared
 * code's own system or facility. The codes rules name are put in the same form here, once, so a
 * rule written `upstream: Rhapsody` still meets the events of `rhapsody-engine`. A pattern
 * (`epic*`) is only lower-cased.
 */
function canonicalCodes(set: RuleSet): RuleSet {
  const system = (code: string) => {
    const lower = code.toLowerCase();
    const rule = lower.includes('*') ? undefined : set.lexicon.systems.get(lower);
    return rule && !rule.system.includes('*') ? rule.system : lower;
  };
  const facility = (code: string) => {
    const lower = code.toLowerCase();
    return set.lexicon.facilities.get(lower)?.facility ?? lower;
  };
  const systems = <T extends { systems?: string[] }>(item: T): T => (item.systems ? { ...item, systems: item.systems.map(system) } : item);
  const facilities = <T extends { facilities?: string[] }>(item: T): T => (item.facilities ? { ...item, facilities: item.facilities.map(facility) } : item);
  return {
    ...set,
    signatures: set.signatures.map((rule) => ({ ...rule, match: systems(rule.match) })),
    spread: set.spread.map((rule) => ({ ...rule, match: systems(rule.match) })),
    windows: set.windows.map((rule) => ({ ...rule, match: systems(rule.match) })),
    reports: set.reports.map(systems),
    dependencies: set.dependencies.map((rule) => ({ ...rule, upstream: system(rule.upstream), downstream: rule.downstream.map(system), ...(rule.words ? { wordsPattern: wordsPattern(rule.words) } : {}) })),
    maintenance: set.maintenance.map((rule) => facilities(systems(rule))),
    priority: set.priority.map((rule) => ({ ...rule, when: systems(rule.when) })),
    routing: set.routing.map((rule) => ({ ...rule, when: facilities(systems(rule.when)) })),
  };
}

function readRule(section: Section, r: Reader): object | undefined {
  const common = ['id', 'version', 'description'];
  switch (section) {
    case 'calendars': {
      r.unknown([...common, 'zone', 'days', 'hours', 'holidays']);
      const zone = r.zone('zone');
      const hours = r.string('hours') ?? '';
      const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(hours);
      const minute = (h?: string, m?: string) => Number(h) * 60 + Number(m);
      if (!match || minute(match[1], match[2]) > 24 * 60 || minute(match[3], match[4]) > 24 * 60 || Number(match[2]) > 59 || Number(match[4]) > 59) {
        r.problems.push(`${r.where}: field "hours" must be a span such as 07:00-18:00 (22:00-06:00 runs over midnight)`);
      }
      const holidays = r.list('holidays') ?? [];
      if (holidays.some((h) => !/^\d{4}-\d{2}-\d{2}$/.test(h))) r.problems.push(`${r.where}: field "holidays" must list dates such as 2026-12-25`);
      return { zone, days: r.list('days', WEEKDAYS, true), fromMinute: match ? minute(match[1], match[2]) : 0, toMinute: match ? minute(match[3], match[4]) : 0, holidays };
    }
    case 'systems': {
      r.unknown([...common, 'system', 'codes', 'names', 'scope', 'class']);
      const scope = r.has('scope') ? r.oneOf('scope', SCOPES) : undefined;
      const kind = r.has('class') ? r.code('class') : undefined;
      // A pattern (`printer*`) declares the scope of many systems and renames none.
      const system = r.code('system');
      return { system, codes: (r.list('codes') ?? []).map((c) => c.toLowerCase()), names: r.list('names') ?? [], ...(scope ? { scope } : {}), ...(kind ? { class: kind } : {}) };
    }
    case 'facilities': {
      r.unknown([...common, 'facility', 'codes', 'name']);
      const name = r.string('name', false)?.trim();
      return { facility: r.code('facility'), codes: (r.list('codes') ?? []).map((c) => c.toLowerCase()), ...(name ? { name } : {}) };
    }
    case 'problems': {
      r.unknown([...common, 'class', 'words', 'kinds', 'absorbs', 'alsoAbsorbs', 'otherwise', 'standsAlone', 'unreported', 'acrossSystems']);
      const kinds = r.list('kinds', EVENT_KINDS);
      const absorbs = r.has('absorbs') ? r.bool('absorbs') : undefined;
      const alsoAbsorbs = r.list('alsoAbsorbs')?.map((c) => c.toLowerCase());
      const otherwise = r.list('otherwise', EVENT_KINDS);
      const flag = (name: string) => (r.has(name) && r.bool(name) ? { [name]: true } : {});
      return {
        class: r.code('class'),
        words: r.list('words', undefined, true),
        ...(kinds ? { kinds } : {}),
        ...(absorbs ? { absorbs } : {}),
        ...(alsoAbsorbs ? { alsoAbsorbs } : {}),
        ...(otherwise ? { otherwise } : {}),
        ...flag('standsAlone'),
        ...flag('unreported'),
        ...flag('acrossSystems'),
      };
    }
    case 'signatures': {
      r.unknown([...common, 'match', 'fields']);
      return { match: r.match(), fields: r.list('fields', SIGNATURE_FIELDS, true) };
    }
    case 'spread': {
      r.unknown([...common, 'match', 'within', 'across', 'classes', 'sameAction']);
      const classes = r.list('classes')?.map((c) => c.toLowerCase());
      return {
        match: r.match(),
        withinMs: r.duration('within'),
        across: r.has('across') ? r.oneOf('across', SPREAD_ACROSS) : 'facility',
        ...(classes ? { classes } : {}),
        ...(r.has('sameAction') && r.bool('sameAction') ? { sameAction: true } : {}),
      };
    }
    case 'windows': {
      r.unknown([...common, 'match', 'groupWait', 'updateInterval', 'reopenWindow', 'autoResolveAfter', 'flapThreshold', 'flapWindow']);
      return {
        match: r.match(),
        groupWaitMs: r.duration('groupWait', FALLBACK_WINDOW.groupWaitMs),
        updateIntervalMs: r.duration('updateInterval', FALLBACK_WINDOW.updateIntervalMs),
        reopenWindowMs: r.duration('reopenWindow', FALLBACK_WINDOW.reopenWindowMs),
        autoResolveAfterMs: r.duration('autoResolveAfter', FALLBACK_WINDOW.autoResolveAfterMs),
        flapThreshold: r.int('flapThreshold', 2, FALLBACK_WINDOW.flapThreshold),
        flapWindowMs: r.duration('flapWindow', FALLBACK_WINDOW.flapWindowMs),
      };
    }
    case 'reports': {
      r.unknown([...common, 'systems', 'sameFacility', 'attachAt', 'suggestAt', 'careWords', 'signInWords']);
      const attachAt = r.fraction('attachAt', 0.6);
      const suggestAt = r.fraction('suggestAt', 0.25);
      const systems = r.list('systems');
      const careWords = r.list('careWords');
      const signInWords = r.list('signInWords');
      return {
        ...(systems ? { systems } : {}),
        sameFacility: r.bool('sameFacility', true),
        attachAt,
        suggestAt: Math.min(suggestAt ?? 0, attachAt ?? 1),
        ...(careWords ? { careWords, carePattern: wordsPattern(careWords) } : {}),
        ...(signInWords ? { signInWords, signInPattern: wordsPattern(signInWords) } : {}),
      };
    }
    case 'dependencies': {
      r.unknown([...common, 'upstream', 'downstream', 'wait', 'words']);
      const waitMs = r.has('wait') ? r.duration('wait', 0) : undefined;
      const words = r.list('words');
      return { upstream: r.string('upstream'), downstream: r.list('downstream', undefined, true), ...(waitMs ? { waitMs } : {}), ...(words ? { words } : {}) };
    }
    case 'maintenance': {
      r.unknown([...common, 'systems', 'facilities', 'from', 'to']);
      const systems = r.list('systems');
      const facilities = r.list('facilities');
      return { ...(systems ? { systems } : {}), ...(facilities ? { facilities } : {}), from: r.instant('from'), to: r.instant('to') };
    }
    case 'identity': {
      r.unknown([...common, 'actions', 'classes', 'within']);
      const classes = r.list('classes')?.map((c) => c.toLowerCase());
      return { actions: r.list('actions', undefined, true), ...(classes ? { classes } : {}), withinMs: r.duration('within', 2 * 3_600_000) };
    }
    case 'priority': {
      r.unknown([...common, 'when', 'priority']);
      const when = r.child('when');
      when.unknown(['severities', 'patientImpact', 'minFacilities', 'minRequesters', 'systems']);
      const severities = when.list('severities', SEVERITIES);
      const systems = when.list('systems');
      return {
        when: {
          ...(severities ? { severities } : {}),
          ...(when.has('patientImpact') ? { patientImpact: when.bool('patientImpact') } : {}),
          ...(when.has('minFacilities') ? { minFacilities: when.int('minFacilities', 1) } : {}),
          ...(when.has('minRequesters') ? { minRequesters: when.int('minRequesters', 1) } : {}),
          ...(systems ? { systems } : {}),
        },
        priority: r.oneOf('priority', PRIORITIES),
      };
    }
    case 'routing': {
      r.unknown([...common, 'when', 'queue']);
      const when = r.child('when');
      when.unknown(['kinds', 'sources', 'systems', 'classes', 'facilities', 'departments', 'requesterRoles', 'calendar', 'outside', 'errorSignature', 'symptom', 'patientImpact', 'priorities', 'minFacilities']);
      const departments = when.list('departments');
      const requesterRoles = when.list('requesterRoles');
      const calendar = when.string('calendar', false);
      const outside = when.string('outside', false);
      const kinds = when.list('kinds', EVENT_KINDS);
      const sources = when.list('sources', SOURCE_TYPES);
      const systems = when.list('systems');
      const facilities = when.list('facilities');
      const classes = when.list('classes');
      const priorities = when.list('priorities', PRIORITIES);
      const pattern = (field: string) => {
        const text = when.string(field, false);
        if (text === undefined) return undefined;
        try {
          new RegExp(text, 'i');
          return text;
        } catch {
          r.problems.push(`${r.where}: field "${field}" is not a valid regular expression`);
          return undefined;
        }
      };
      const errorSignature = pattern('errorSignature');
      const symptom = pattern('symptom');
      const queue = r.string('queue');
      if (queue !== undefined && !/^[a-z0-9_-]+(\.[a-z0-9_{}-]+)*$/.test(queue)) r.problems.push(`${r.where}: field "queue" must be lower-case words joined by "." (it becomes a NATS subject)`);
      return {
        when: {
          ...(kinds ? { kinds } : {}),
          ...(sources ? { sources } : {}),
          ...(systems ? { systems } : {}),
          ...(classes ? { classes: classes.map((c) => c.toLowerCase()) } : {}),
          ...(departments ? { departments: departments.map((c) => c.toLowerCase()) } : {}),
          ...(requesterRoles ? { requesterRoles: requesterRoles.map((c) => c.toLowerCase()) } : {}),
          ...(calendar ? { calendar } : {}),
          ...(outside ? { outside } : {}),
          ...(facilities ? { facilities } : {}),
          ...(errorSignature ? { errorSignature } : {}),
          ...(symptom ? { symptom } : {}),
          ...(when.has('patientImpact') ? { patientImpact: when.bool('patientImpact') } : {}),
          ...(priorities ? { priorities } : {}),
          ...(when.has('minFacilities') ? { minFacilities: when.int('minFacilities', 1) } : {}),
        },
        queue,
      };
    }
    case 'oncall': {
      r.unknown([...common, 'queues', 'zone', 'rotation', 'start', 'handoff']);
      const zone = r.zone('zone');
      const start = r.string('start') ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) r.problems.push(`${r.where}: field "start" must be a date such as 2026-01-05`);
      const handoff = /^(?:(sun|mon|tue|wed|thu|fri|sat) )?(\d{2}):(\d{2})$/.exec(r.string('handoff') ?? '');
      if (!handoff || Number(handoff[2]) > 23 || Number(handoff[3]) > 59) r.problems.push(`${r.where}: field "handoff" must be a time such as 08:00 (daily) or "mon 08:00" (weekly)`);
      return {
        queues: r.list('queues', undefined, true),
        zone,
        rotation: r.list('rotation', undefined, true),
        start,
        ...(handoff?.[1] ? { handoffDay: handoff[1] as Weekday } : {}),
        handoffMinute: handoff ? Number(handoff[2]) * 60 + Number(handoff[3]) : 0,
      };
    }
    case 'escalation': {
      r.unknown([...common, 'queues', 'steps']);
      const queues = r.list('queues', undefined, true);
      const raw = r.child('steps');
      raw.unknown([...PRIORITIES]);
      const steps: Partial<Record<Priority, number[]>> = {};
      for (const priority of PRIORITIES) {
        const list = raw.list(priority);
        if (!list) continue;
        const ms = list.map(parseDuration);
        if (ms.some((v) => v === undefined)) r.problems.push(`${r.where}: field "steps.${priority}" must list durations such as 15m, 1h`);
        else steps[priority] = (ms as number[]).sort((a, b) => a - b);
      }
      return { queues, steps };
    }
    default:
      return undefined;
  }
}

/** A cycle would make an incident its own ancestor. */
function checkDependencies(rules: DependencyRule[]): string[] {
  const edges = new Map<string, string[]>();
  // `*` (every local system at the upstream's facility) takes part in no cycle by name.
  for (const rule of rules) for (const down of rule.downstream) if (down !== '*') edges.set(down, [...(edges.get(down) ?? []), rule.upstream]);
  const problems: string[] = [];
  for (const start of edges.keys()) {
    const stack = [...(edges.get(start) ?? [])];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (next === start) {
        problems.push(`dependencies: "${start}" depends on itself through its upstreams`);
        break;
      }
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(edges.get(next) ?? []));
    }
  }
  return problems;
}

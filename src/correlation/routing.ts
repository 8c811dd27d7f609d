import { reachOf, type IncidentBody, type Reach } from './incident.js';
import { systemRule } from './names.js';
import { FALLBACK_ROUTE, type CalendarRule, type RoutingRule, type RuleSet, type Weekday } from './rules.js';

/**
 * Which helpdesk queue owns an incident: the first routing rule whose every condition holds. A
 * `{facility}` (or `{site}`, from enrichment) in the queue name makes facility desks.
 */
export function routeOf(incident: IncidentBody, rules: RuleSet, now: Date): { queue: string; rule: RoutingRule } {
  const system = systemRule(rules.lexicon, incident.system);
  const systemClass = system?.class;
  // A shared system's incident that no facility reports (the EHR's central probe failing) is at
  // every facility that uses it: as many as any `minFacilities` asks.
  // A cause counts where the incidents it explains hurt too (reachOf).
  const reach = reachOf(incident);
  const sites = reach.facilities.length === 0 && system?.scope === 'shared' ? Number.POSITIVE_INFINITY : reach.facilities.length;
  const inHours = (id: string) => {
    const calendar = rules.calendars.find((c) => c.id === id);
    return calendar !== undefined && withinCalendar(calendar, now);
  };
  const rule = rules.routing.find((candidate) => holds(candidate, incident, reach, systemClass, sites) && timely(candidate, inHours)) ?? FALLBACK_ROUTE;
  // Routing runs after every message: a fixed queue name needs no placeholders filled in.
  if (!rule.queue.includes('{')) return { queue: rule.queue, rule };
  const facility = slug(incident.facilities[0] ?? 'unknown');
  // `{site}` uses the site the EHR directory names, when enrichment found one.
  const site = incident.context?.siteName ? slug(incident.context.siteName) : facility;
  return { queue: rule.queue.replaceAll('{facility}', facility).replaceAll('{site}', site), rule };
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-|-$/g, '') || 'unknown';

// A rule's pattern is compiled where it is used: V8 keeps compiled expressions by source and flags,
// so a second `new RegExp` of the same text costs an object, not a compilation, and the core keeps
// no table of its own.
const pattern = (source: string) => new RegExp(source, 'i');

// Plain loops and no substrings: this runs for every rule after every message, and the closures
// of some()/includes() and the slices of a `prefix*` pattern were about 5 % of all allocations.
function holds({ when }: RoutingRule, incident: IncidentBody, reach: Reach, systemClass: string | undefined, sites: number): boolean {
  const { kinds, sources } = incident.tally;
  return (
    (when.classes === undefined || (systemClass !== undefined && when.classes.includes(systemClass))) &&
    (when.departments === undefined || anyLower(when.departments, incident.departments)) &&
    (when.requesterRoles === undefined || anyIn(when.requesterRoles, incident.tally.roles ?? [])) &&
    (when.kinds === undefined || anyIn(when.kinds, kinds)) &&
    (when.sources === undefined || anyIn(when.sources, sources)) &&
    (when.systems === undefined || anySystem(when.systems, incident.system)) &&
    (when.facilities === undefined || anyIn(incident.facilities, when.facilities)) &&
    (when.errorSignature === undefined || pattern(when.errorSignature).test(incident.errorSignature ?? '')) &&
    (when.symptom === undefined || pattern(when.symptom).test(incident.title)) &&
    (when.patientImpact === undefined || when.patientImpact === reach.patientImpact) &&
    (when.priorities === undefined || when.priorities.includes(incident.priority)) &&
    (when.minFacilities === undefined || sites >= when.minFacilities)
  );
}

/** The rule's calendar conditions, read only when the rest of it held (they format a date). */
function timely({ when }: RoutingRule, inHours: (id: string) => boolean): boolean {
  return (when.calendar === undefined || inHours(when.calendar)) && (when.outside === undefined || !inHours(when.outside));
}

/** Whether `now` is inside the calendar's hours on one of its days, holidays excepted, in its own zone. */
export function withinCalendar(calendar: CalendarRule, now: Date): boolean {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: calendar.zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit' }).formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const date = `${part('year')}-${part('month')}-${part('day')}`;
  const minute = Number(part('hour')) * 60 + Number(part('minute'));
  const day = part('weekday').slice(0, 3).toLowerCase() as Weekday;
  const { fromMinute: from, toMinute: to } = calendar;
  // Over midnight (22:00-06:00): the early hours belong to the day the shift began.
  if (from > to) {
    if (minute >= from) return calendar.days.includes(day) && !calendar.holidays.includes(date);
    if (minute < to) {
      const yesterday = new Date(now.getTime() - 86_400_000);
      const before = new Intl.DateTimeFormat('en-US', { timeZone: calendar.zone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short' }).formatToParts(yesterday);
      const get = (type: Intl.DateTimeFormatPartTypes) => before.find((p) => p.type === type)?.value ?? '';
      return calendar.days.includes(get('weekday').slice(0, 3).toLowerCase() as Weekday) && !calendar.holidays.includes(`${get('year')}-${get('month')}-${get('day')}`);
    }
    return false;
  }
  return minute >= from && minute < to && calendar.days.includes(day) && !calendar.holidays.includes(date);
}

function anyIn(wanted: readonly string[], present: readonly string[]): boolean {
  for (const item of wanted) if (present.includes(item)) return true;
  return false;
}

/** Department codes come as each sender wrote them; rules name them in lower case. */
function anyLower(wanted: readonly string[], present: readonly string[]): boolean {
  for (const item of present) if (wanted.includes(item.toLowerCase())) return true;
  return false;
}

function anySystem(patterns: readonly string[], system: string): boolean {
  for (const p of patterns) if (systemMatches(p, system)) return true;
  return false;
}

/** `epic*` matches a prefix, `*-interface` a suffix; anything else must be equal. */
export function systemMatches(pattern: string, system: string): boolean {
  if (pattern.endsWith('*')) return sameChars(system, 0, pattern, 0, pattern.length - 1);
  if (pattern.startsWith('*')) return sameChars(system, system.length - (pattern.length - 1), pattern, 1, pattern.length - 1);
  return pattern === system;
}

/**
 * Whether `count` characters of `text` from `at` equal those of `pattern` from `from`. Compared in
 * place: cutting the pattern's `*` off for startsWith/endsWith made a string per rule per message.
 */
function sameChars(text: string, at: number, pattern: string, from: number, count: number): boolean {
  if (at < 0 || at + count > text.length) return false;
  for (let i = 0; i < count; i++) if (text.charCodeAt(at + i) !== pattern.charCodeAt(from + i)) return false;
  return true;
}

import type { DisplayNames } from '../../dashboard/site-names.js';
import { wardTime } from '../channel-settings.js';

/** One incident as the read model holds it, with what the page needs (known-issues.repository.ts). */
export interface IssueRow {
  id: string;
  status: 'open' | 'acknowledged' | 'flapping' | 'resolved' | 'merged';
  origin: string;
  priority: string;
  queue: string | null;
  system: string;
  facilities: string[];
  departments: string[];
  firstSeen: Date;
  resolvedAt: Date | null;
  suppressedBy: string | null;
  distinctRequesters: number;
  childCount: number;
  patientImpact: boolean;
  context: Record<string, unknown> | null;
  /** What an agent published for clinicians (PUT /v1/incidents/:id/public-note), checked for identifiers when set. */
  note: { text: string; eta: Date | null; updatedAt: Date } | null;
}

/**
 * A problem as the known-issues page says it to a clinician: plain words built from codes, counts
 * and times only. The incident's title, its children's text and its requesters never reach here:
 * they are free text a person wrote (or tokens of people), and the page is read by anyone on the ward.
 */
export interface KnownIssue {
  id: string;
  system: string;
  systemName: string;
  facilities: Array<{ code: string; name: string }>;
  /** "Epic at Lakeside and Overlake". */
  affected: string;
  since: string;
  /** "07:02", or "Sat 5 Dec 23:40" when not today, in the configured zone. */
  sinceLocal: string;
  state: 'being worked on' | 'acknowledged by the team' | 'intermittent' | 'planned maintenance' | 'fixed';
  priority: string;
  patientCare: boolean;
  /** People who reported it; null when fewer than the small-count threshold (said as "fewer than 5"). */
  reporters: number | null;
  /** "31 people have reported this" / "fewer than 5 people have reported this" / "found by monitoring". */
  reported: string;
  note: string | null;
  eta: string | null;
  noteUpdatedAt: string | null;
  resolvedAt: string | null;
}

export interface ViewOptions {
  timeZone: string;
  smallCount: number;
  now: Date;
  /** Readable names from the rules (dashboard/site-names.ts), where they give one. */
  names: DisplayNames;
}

/** Queues whose problems are not for a public page (a privacy investigation names no outage). */
const PRIVATE_QUEUES = new Set(['privacy-security']);

/**
 * Whether a problem may be told to anyone on the ward (this page, `/corral status` in chat). Not a merged one (its survivor is shown), nor a privacy
 * investigation, nor an identity incident of a few people (one person's locked account is theirs,
 * not the ward's).
 */
export function isPublic(row: { status: string; queue: string | null; origin: string; distinctRequesters: number }, smallCount: number): boolean {
  if (row.status === 'merged') return false;
  if (row.queue && PRIVATE_QUEUES.has(row.queue)) return false;
  if (row.origin === 'identity' && row.distinctRequesters < smallCount) return false;
  return true;
}

export function toKnownIssue(row: IssueRow, options: ViewOptions): KnownIssue {
  const systemName = options.names.system(row.system) ?? titleCase(row.system);
  // The rules' name first, then the EHR directory's (enrichment names an incident's one facility), then the code.
  const directoryName = typeof row.context?.facilityName === 'string' && row.facilities.length === 1 ? row.context.facilityName : undefined;
  const facilities = row.facilities.map((code) => ({ code, name: options.names.facility(code) ?? directoryName ?? titleCase(code) }));
  const reporters = row.distinctRequesters >= options.smallCount ? row.distinctRequesters : null;
  return {
    id: row.id,
    system: row.system,
    systemName,
    facilities,
    affected: facilities.length === 0 ? systemName : `${systemName} at ${inWords(facilities.map((f) => f.name))}`,
    since: row.firstSeen.toISOString(),
    sinceLocal: localTime(row.firstSeen, options.now, options.timeZone),
    state: stateOf(row),
    priority: row.priority,
    patientCare: row.patientImpact,
    reporters,
    reported: reportedWords(row.distinctRequesters, options.smallCount),
    note: row.note?.text ?? null,
    eta: row.note?.eta ? localTime(row.note.eta, options.now, options.timeZone) : null,
    noteUpdatedAt: row.note ? row.note.updatedAt.toISOString() : null,
    resolvedAt: row.resolvedAt ? row.resolvedAt.toISOString() : null,
  };
}

function stateOf(row: IssueRow): KnownIssue['state'] {
  if (row.status === 'resolved') return 'fixed';
  if (row.suppressedBy) return 'planned maintenance';
  if (row.status === 'flapping') return 'intermittent';
  return row.status === 'acknowledged' ? 'acknowledged by the team' : 'being worked on';
}

function reportedWords(people: number, smallCount: number): string {
  if (people === 0) return 'found by monitoring';
  if (people < smallCount) return `fewer than ${smallCount} people have reported this`;
  return `${people} people have reported this`;
}

/** `lakeside` → "Lakeside", `st-brigid` → "St Brigid": a code said as a name where no name is known. */
export function titleCase(code: string): string {
  return code
    .split(/[-_.\s]+/)
    .filter(Boolean)
    .map((word) => (word.length <= 3 && /\d/.test(word) ? word.toUpperCase() : word[0]?.toUpperCase() + word.slice(1)))
    .join(' ');
}

function inWords(names: string[]): string {
  if (names.length <= 1) return names.join('');
  if (names.length > 4) return `${names.slice(0, 3).join(', ')} and ${names.length - 3} more sites`;
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** A time as a ward reads it (channel-settings.ts). */
export const localTime = wardTime;

import { childrenFirstSeenSince, isActive, type IncidentBody, type IncidentState, type Origin } from './incident.js';
import { accountAction } from './account-action.js';
import { problemClassOfSignature } from './names.js';

/** An entry's devices when its incident names none: one shared array, so `unchanged` compares by identity. */
const NO_DEVICES: readonly string[] = [];

/** What routing needs to know about an active incident, kept current after every actor turn. */
export interface IndexEntry {
  signature: string;
  incidentId: string;
  system: string;
  /** The facility the incident is tied to, if any: a report from elsewhere belongs elsewhere. */
  scope: string | null;
  facilities: string[];
  vocabulary: string[];
  parentId: string | null;
  origin: Origin;
  title: string;
  openedAt: string;
  /** The equipment its events name (IncidentBody.devices). */
  devices: readonly string[];
  /** Its events name exactly one person (requester token): one account's trouble, not a crowd's or a system's. */
  onePerson: boolean;
  /** An identity incident's first account action and its newest event, which a crowd joins by (spread across people). */
  account?: { action: string; lastSeen: string };
}

/** An account that just had an identity event, by its requester token. */
export interface IdentityMark {
  signature: string;
  incidentId: string;
  action: string;
  /** The problem class of the incident's signature (`sign-in`, `account-change`), when it has one. */
  problemClass?: string;
  at: string;
}

/** A person's report, where it was put: what a later account change of theirs may pull over. */
export interface ReportNote {
  signature: string;
  childKey: string;
  at: string;
}

/**
 * The view across actors that single-signature actors cannot have: which incidents are active on
 * a system, and which accounts just changed. Plain data, updated from actor states; the runtime
 * rebuilds it from snapshots at start-up.
 */
export class CorrelationIndex {
  private readonly active = new Map<string, IndexEntry>();
  private readonly bySystem = new Map<string, Set<string>>();
  /** Signatures that name no system (`*`: a class one incident whichever system reports it). */
  private readonly anySystem = new Set<string>();
  private readonly marks = new Map<string, IdentityMark[]>();
  private readonly marksBySignature = new Map<string, string[]>();
  private readonly reports = new Map<string, ReportNote[]>();

  /**
   * `markHorizonMs`: the longest identity rule's window. An identity incident never goes quiet in
   * a hospital (MFA failures all day), so it gathers children without end; a report can match
   * only a mark younger than its rule's window, so older ones are not kept. Measured by the
   * incident's own newest event, not the clock: the index is rebuilt from states at start-up.
   */
  constructor(private readonly markHorizonMs = Number.POSITIVE_INFINITY) {}

  get size(): number {
    return this.active.size;
  }

  /** How many systems and accounts the index holds entries for (what its memory grows with). */
  get extent(): { systems: number; accounts: number } {
    return { systems: this.bySystem.size, accounts: this.marks.size + this.reports.size };
  }

  apply(state: IncidentState): void {
    const { signature } = state;
    // Most turns (a repeat, another child) change nothing routing reads: keep the entry as it is.
    if (unchanged(this.active.get(signature), state)) return;
    this.drop(signature);
    if (state.status === 'none' || state.status === 'merged') return;
    const incident = state.incident;
    if (isActive(state.status)) {
      const entry: IndexEntry = {
        signature,
        incidentId: incident.id,
        system: incident.system,
        scope: incident.scope,
        facilities: incident.facilities,
        vocabulary: incident.vocabulary,
        parentId: incident.parent?.incidentId ?? null,
        origin: incident.origin,
        title: incident.title,
        openedAt: incident.openedAt,
        devices: incident.devices ?? NO_DEVICES,
        // Only an identity incident is one person's or a crowd's; counting another's reporters is cost for nothing.
        onePerson: incident.origin === 'identity' && ofOnePerson(incident),
        ...(incident.origin === 'identity' ? { account: { action: accountAction(incident.errorSignature, incident.title), lastSeen: newestAccountEvent(incident) } } : {}),
      };
      this.active.set(signature, entry);
      const set = this.bySystem.get(incident.system) ?? new Set<string>();
      set.add(signature);
      this.bySystem.set(incident.system, set);
      if (signature.startsWith('*|')) this.anySystem.add(signature);
    }
    if (incident.origin === 'identity' && this.markHorizonMs > 0) {
      const tokens: string[] = [];
      const horizon = Date.parse(incident.lastSeen) - this.markHorizonMs;
      const since = Number.isFinite(horizon) ? new Date(Math.max(horizon, 0)).toISOString() : '';
      const problemClass = problemClassOfSignature(signature);
      // Oldest first, as before, so that marks of one account stay in the order they happened.
      for (const child of childrenFirstSeenSince(incident, since)) {
        if (!child.requesterToken) continue;
        const mark: IdentityMark = { signature, incidentId: incident.id, action: incident.errorSignature ?? '', ...(problemClass ? { problemClass } : {}), at: child.firstSeen };
        this.marks.set(child.requesterToken, [...(this.marks.get(child.requesterToken) ?? []), mark]);
        tokens.push(child.requesterToken);
      }
      this.marksBySignature.set(signature, tokens);
    }
  }

  /**
   * Notes a person's report as it is put in an incident, so that an account change of theirs
   * arriving after it (a lockout, a deactivation) can pull it over. Kept for the identity rules'
   * longest window, by the report's own time: a person's older notes go as a new one comes.
   * Not rebuilt from snapshots: after a restart, only reports made since are pulled.
   */
  noteReport(token: string, note: ReportNote): void {
    if (!(this.markHorizonMs > 0)) return;
    const horizon = Date.parse(note.at) - this.markHorizonMs;
    const kept = (this.reports.get(token) ?? []).filter((n) => Date.parse(n.at) >= horizon && n.childKey !== note.childKey);
    kept.push(note);
    this.reports.set(token, kept);
  }

  /** The reports a person made, as noted. */
  reportsBy(token: string): readonly ReportNote[] {
    return this.reports.get(token) ?? [];
  }

  /** Forgets the reports of people who have made none within the horizon before `now` (the runtime's sweep). */
  forgetReportsBefore(now: Date): void {
    const horizon = now.getTime() - this.markHorizonMs;
    for (const [token, notes] of this.reports) if (notes.every((n) => Date.parse(n.at) < horizon)) this.reports.delete(token);
  }

  get(signature: string): IndexEntry | undefined {
    return this.active.get(signature);
  }

  entries(): IndexEntry[] {
    return [...this.active.values()];
  }

  activeOn(system: string): IndexEntry[] {
    return this.entriesOf(this.bySystem.get(system));
  }

  /** The active incidents whose signature names no system (a class one incident across systems). */
  activeOnAnySystem(): IndexEntry[] {
    return this.entriesOf(this.anySystem);
  }

  private entriesOf(signatures: ReadonlySet<string> | undefined): IndexEntry[] {
    return [...(signatures ?? [])].flatMap((signature) => {
      const entry = this.active.get(signature);
      return entry ? [entry] : [];
    });
  }

  identityMarks(token: string): IdentityMark[] {
    return this.marks.get(token) ?? [];
  }

  private drop(signature: string): void {
    const entry = this.active.get(signature);
    if (entry) {
      this.active.delete(signature);
      this.anySystem.delete(signature);
      // Systems are named by senders: an emptied set goes, or the map would keep every name seen.
      const onSystem = this.bySystem.get(entry.system);
      onSystem?.delete(signature);
      if (onSystem?.size === 0) this.bySystem.delete(entry.system);
    }
    for (const token of this.marksBySignature.get(signature) ?? []) {
      const kept = (this.marks.get(token) ?? []).filter((mark) => mark.signature !== signature);
      if (kept.length > 0) this.marks.set(token, kept);
      else this.marks.delete(token);
    }
    this.marksBySignature.delete(signature);
  }
}

/** The order incidents are chosen in when several would do: the one opened first, then by signature (the same in every run). */
export function byOpening(a: IndexEntry, b: IndexEntry): number {
  return a.openedAt.localeCompare(b.openedAt) || a.signature.localeCompare(b.signature);
}

/** Whether `entry` already says all that `state` would put in the index (identity incidents excepted: their marks follow the children). */
function unchanged(entry: IndexEntry | undefined, state: IncidentState): boolean {
  if (entry === undefined || state.status === 'none' || state.status === 'merged' || !isActive(state.status)) return false;
  const incident = state.incident;
  return (
    incident.origin !== 'identity' &&
    entry.origin === incident.origin &&
    entry.incidentId === incident.id &&
    entry.system === incident.system &&
    entry.scope === incident.scope &&
    entry.facilities === incident.facilities &&
    entry.vocabulary === incident.vocabulary &&
    entry.parentId === (incident.parent?.incidentId ?? null) &&
    entry.title === incident.title &&
    entry.openedAt === incident.openedAt &&
    entry.devices === (incident.devices ?? NO_DEVICES)
  );
}

/**
 * When an identity incident last heard of an account (its newest identity event, not a report):
 * people's reports about a crowd's trouble must not keep the crowd fresh after the failures stop.
 * A walk of the children, as the marks below already make on every change of an identity incident.
 */
function newestAccountEvent(incident: IncidentBody): string {
  let newest = '';
  for (const child of childrenFirstSeenSince(incident, '')) if (child.kind === 'identity' && child.changedAt > newest) newest = child.changedAt;
  return newest || incident.lastSeen;
}

/**
 * Whether an identity incident's events name exactly one person. Only identity incidents are
 * asked: `for…in` lists every key before the first, so this is a walk of the requesters, no more
 * than the walk of the children the index's marks already make on every change of one.
 */
export function ofOnePerson(incident: Pick<IncidentBody, 'tally' | 'origin'>): boolean {
  if (incident.origin !== 'identity') return false;
  let people = 0;
  for (const _ in incident.tally.requesters) if (++people > 1) return false;
  return people === 1;
}

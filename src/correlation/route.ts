import type { CanonicalEvent } from './canonical-event.js';
import type { CorrelationIndex, IndexEntry } from './correlation-index.js';
import { isActive, type IncidentLink, type IncidentState } from './incident.js';
import type { Delivery, Input, ResolveInput } from './inputs.js';
import type { Route } from './messages.js';
import { matches, ref, type DependencyRule, type RuleRef, type RuleSet, type SignatureRule, type SpreadRule } from './rules.js';
import { signatureWith } from './signature.js';
import { overlap, tokensOf } from './tokens.js';
import { isUnnamed, nameEvent, problemClassOf, systemRule, systemsNamedIn, type Named, type ProblemRule, type SystemRule } from './names.js';

// Routing, as pure functions: which actor an input goes to first (route), and which deliveries an
// actor's transition makes for others (followUps). Both read the correlation index the runtime
// keeps and never change it; the runtime's delivery loop (src/actors/correlator.ts) runs them with
// the actors' own step (evolve).

/** An event with its codes in canonical form (names.ts), its signature and the signature rule that made it. */
export type Derived = ReturnType<typeof signatureWith> & Named;

/** What routing needs of an event, worked out once: its codes named, then its signature from them. */
export function derive(event: CanonicalEvent, rules: RuleSet): Derived {
  const named = nameEvent(event, rules.lexicon);
  return { ...signatureWith(named.event, rules), ...named };
}

export interface RouteContext {
  rules: RuleSet;
  index: CorrelationIndex;
  now: Date;
  /** The event's signature (the runtime works it out once per event and remembers it). */
  signatureOf: (event: CanonicalEvent) => Derived;
}

/** The first delivery an input makes: to its own actor, or, for a report, to the incident it is about. */
export function route(input: Exclude<Input, ResolveInput>, context: RouteContext): Delivery {
  switch (input.type) {
    case 'tick':
      return { to: input.signature, message: { type: 'tick' }, primary: true };
    case 'command':
      return { to: input.signature, message: { type: 'command', command: input.command }, primary: true };
    case 'delivery':
      return input.delivery;
    case 'event': {
      const { signature, rule, event, namedBy } = context.signatureOf(input.event);
      const route: Route = { signatureRule: ref(rule), ...(namedBy ? { namedBy } : {}) };
      if (input.signature !== undefined) return { to: input.signature, message: { type: 'event', event, route }, primary: true };
      if (event.kind !== 'report') {
        const outage = context.index.get(signature) ? undefined : outageAbsorbing(event, context);
        if (outage) return { to: outage.entry.signature, message: { type: 'event', event, route: { ...route, attach: { ...ref(outage.rule), score: 1 } } }, primary: true };
        const spread = context.index.get(signature) ? undefined : spreadFrom(event, signature, rule, context);
        if (spread) return { to: spread.entry.signature, message: { type: 'event', event, route: { ...route, spread: ref(spread.rule) } }, primary: true };
        return { to: signature, message: { type: 'event', event, route }, primary: true };
      }
      return routeReport(event, signature, route, context);
    }
  }
}

/**
 * The active outage of the event's (shared) system that takes it: a problem the rules put in no
 * class, on a system whose outage incident (a class that `absorbs`) is active, is that outage.
 * A problem in another class (a disk filling up) keeps its own incident.
 */
function outageAbsorbing(event: CanonicalEvent, { rules, index }: RouteContext): { entry: IndexEntry; rule: ProblemRule } | undefined {
  if (rules.lexicon.problems.length === 0 || systemRule(rules.lexicon, event.system)?.scope !== 'shared') return undefined;
  if (problemClassOf(rules.lexicon, event)) return undefined;
  for (const { rule } of rules.lexicon.problems) {
    if (!rule.absorbs || (rule.kinds && !rule.kinds.includes(event.kind))) continue;
    const marker = `|~${rule.class}|`;
    const entry = index
      .activeOn(event.system)
      .filter((e) => `${e.signature}|`.includes(marker))
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.signature.localeCompare(b.signature))[0];
    if (entry) return { entry, rule };
  }
  return undefined;
}

/**
 * The incident the same problem on the same system opened at another facility, recently, when the
 * rules give that system no scope: seen at two sites at once, it is shared (spread rules).
 */
function spreadFrom(event: CanonicalEvent, signature: string, signatureRule: SignatureRule, { rules, index, now }: RouteContext): { entry: IndexEntry; rule: SpreadRule } | undefined {
  if (rules.spread.length === 0 || !event.facility) return undefined;
  const at = signatureRule.fields.indexOf('facility');
  if (at < 0 || systemRule(rules.lexicon, event.system)?.scope !== undefined) return undefined;
  const rule = rules.spread.find((r) => matches(r.match, event));
  if (!rule) return undefined;
  const mine = signature.split('|');
  const sameProblem = (other: string) => {
    const theirs = other.split('|');
    return theirs.length === mine.length && theirs.every((field, n) => n === at || field === mine[n]) && theirs[at] !== mine[at];
  };
  const entry = index
    .activeOn(event.system)
    .filter((e) => sameProblem(e.signature) && now.getTime() - Date.parse(e.openedAt) <= rule.withinMs)
    .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.signature.localeCompare(b.signature))[0];
  return entry ? { entry, rule } : undefined;
}

/**
 * A report goes to the incident it is about: first one its requester's own account change
 * explains (identity context), then the best-scoring active incident on its system. Below the
 * rule's attach threshold it starts its own incident and only suggests the match.
 */
function routeReport(event: CanonicalEvent, signature: string, route: Route, { rules, index, now }: RouteContext): Delivery {
  const primary = (to: string, extra: Partial<Route> = {}): Delivery => ({ to, message: { type: 'event', event, route: { ...route, ...extra } }, primary: true });

  const token = event.requester?.token;
  if (token) {
    for (const rule of rules.identity) {
      const mark = index
        .identityMarks(token)
        .filter((m) => (rule.actions.includes(m.action) || (m.problemClass !== undefined && (rule.classes?.includes(m.problemClass) ?? false))) && now.getTime() - Date.parse(m.at) <= rule.withinMs && Date.parse(m.at) <= now.getTime())
        .sort((a, b) => b.at.localeCompare(a.at))[0];
      if (mark) return primary(mark.signature, { attach: { ...ref(rule), score: 1 } });
    }
  }

  const rule = rules.reports.find((r) => !r.systems || r.systems.includes(event.system));
  if (!rule) return primary(signature);
  const reportTokens = tokensOf(event.symptom);
  // The systems the report is about: the one it was filed under, and every one its words name
  // ("lab results are not crossing into Epic from Rhapsody" is about Rhapsody as much as Epic).
  const about = new Set<string>(isUnnamed(event.system) ? [] : [event.system]);
  // A family of systems named by a pattern ("the printer" names every `printer*`) is matched by rule.
  const families = new Set<SystemRule>();
  for (const named of systemsNamedIn(rules.lexicon, event.symptom)) {
    if (named.system.includes('*')) families.add(named);
    else about.add(named.system);
  }
  // A family is matched by what its systems are: "the computer on wheels blue-screened" names the
  // workstations, and a site's own `windows` job is classed a workstation too.
  const familyClasses = new Set([...families].flatMap((family) => (family.class ? [family.class] : [])));
  const isAbout = (system: string) => {
    if (about.has(system)) return true;
    if (families.size === 0) return false;
    const known = systemRule(rules.lexicon, system);
    return known !== undefined && (families.has(known) || (known.class !== undefined && familyClasses.has(known.class)));
  };
  // Upkeep (a disk filling up) is what a report is about only when it speaks of upkeep too, or of
  // that incident's own particulars ("expand /vna_cache on ls-pacs-arc01"); otherwise an outage on
  // the same system is what people notice.
  const reportClass = problemClassOf(rules.lexicon, event)?.class;
  const isUnreported = (entry: IndexEntry) => {
    const problem = problemClassOfSignature(entry.signature);
    return problem !== undefined && problem !== reportClass && classRule(rules, problem)?.unreported === true && overlap(reportTokens, entry.vocabulary) < UNREPORTED_WORDS_SHARED;
  };
  const onNamed = [...about].flatMap((system) => index.activeOn(system));
  if (families.size > 0) onNamed.push(...index.entries().filter((entry) => !about.has(entry.system) && isAbout(entry.system)));
  const candidates = (onNamed.length > 0 ? onNamed : index.entries())
    .filter((entry) => !(rule.sameFacility && event.facility && entry.scope !== null && entry.scope !== event.facility))
    .map((entry) => ({ entry, score: scoreReport(isUnreported(entry) ? () => false : isAbout, about.size + families.size === 0, event.facility, reportTokens, entry, systemRule(rules.lexicon, entry.system)?.scope === 'shared') }))
    // On a tie, what people notice (an outage) before upkeep nobody reports (a disk filling up).
    .sort((a, b) => b.score - a.score || Number(standsAloneIn(rules, a.entry.signature)) - Number(standsAloneIn(rules, b.entry.signature)) || a.entry.openedAt.localeCompare(b.entry.openedAt) || a.entry.signature.localeCompare(b.entry.signature));
  const best = candidates[0];
  if (!best || best.entry.signature === signature) return primary(signature);
  const score = Math.round(best.score * 1000) / 1000;
  if (best.score >= rule.attachAt) return primary(best.entry.signature, { attach: { ...ref(rule), score } });
  const own = primary(signature);
  return best.score >= rule.suggestAt ? { ...own, suggest: { target: best.entry, score, rule: ref(rule) } } : own;
}

/**
 * What a delivery's transition makes for other actors, beside its own sends: the suggestion a
 * report's routing decided on, and the dependency graph's re-evaluations. `before` and `after`
 * are the actor's states around the transition.
 */
export function followUps(delivery: Delivery, before: IncidentState, after: IncidentState, { rules, index, now }: Pick<RouteContext, 'rules' | 'index' | 'now'>): Delivery[] {
  const pulls = [...identityPulls(delivery, after, rules, index, now), ...outageMerges(before, after, rules, index), ...outageParents(before, after, rules, index), ...outlivedCause(delivery, after, index), ...reachToParent(before, after)];
  const dependencies = pulls.length === 0 ? dependencyFollowUps(before, after, rules, index) : [...pulls, ...dependencyFollowUps(before, after, rules, index)];
  // Nearly every delivery carries no suggestion: no second array for it.
  if (!delivery.suggest || after.status === 'none' || after.incident.id === delivery.suggest.target.incidentId) return dependencies;
  const { target, score, rule } = delivery.suggest;
  const from = { incidentId: after.incident.id, signature: delivery.to };
  const suggestion: Delivery = {
    to: target.signature,
    message: { type: 'suggest', suggestion: { id: suggestionId(from, target), from, score, rule, title: after.incident.title } },
    primary: false,
  };
  return [suggestion, ...dependencies];
}

/**
 * An outage that opens after its system's monitors had already said other things (the NACKs came
 * before the probe failed): the incidents those opened on the same shared system, for problems in
 * no class, are merged into it, as they would have joined it had it been there first.
 */
function outageMerges(before: IncidentState, after: IncidentState, rules: RuleSet, index: CorrelationIndex): Delivery[] {
  if (after.status === 'none' || !isActive(after.status)) return [];
  if (before.status !== 'none' && isActive(before.status) && before.incident.id === after.incident.id) return [];
  if (systemRule(rules.lexicon, after.incident.system)?.scope !== 'shared') return [];
  const rule = rules.lexicon.problems.find(({ rule: r }) => r.absorbs && `${after.signature}|`.includes(`|~${r.class}|`))?.rule;
  if (!rule) return [];
  const into = { incidentId: after.incident.id, signature: after.signature };
  return index
    .activeOn(after.incident.system)
    .filter((entry) => entry.signature !== after.signature && !entry.signature.split('|').some((field) => field.startsWith('~')) && entry.parentId === null)
    .map((entry): Delivery => ({ to: entry.signature, message: { type: 'command', command: { verb: 'merge', by: `rule:${rule.id}@${rule.version}`, into } }, primary: false }));
}

/**
 * Problems an outage explains but that stay incidents of their own (`alsoAbsorbs`: the failed
 * sign-ins of an identity provider that is down): whichever opens second, the class's incident on
 * the same shared system becomes the outage's child, as a dependency's would. It keeps its own
 * signature, so the account changes in it still capture their people's reports.
 */
function outageParents(before: IncidentState, after: IncidentState, rules: RuleSet, index: CorrelationIndex): Delivery[] {
  if (after.status === 'none') return [];
  const wasActive = before.status !== 'none' && isActive(before.status) && before.incident.id === after.incident.id;
  const nowActive = isActive(after.status);
  if (wasActive === nowActive || systemRule(rules.lexicon, after.incident.system)?.scope !== 'shared') return [];
  const classOf = problemClassOfSignature;
  const mine = classOf(after.signature);
  if (mine === undefined) return [];
  const outage = rules.lexicon.problems.find(({ rule }) => rule.absorbs && rule.class === mine)?.rule;
  // An outage that ends keeps its children: failed sign-ins are instants that nothing resolves, so
  // their incident outlives its cause by hours. One that hears something new after it is unparented
  // then (`outlivedCause`), and opens its own ticket.
  if (!nowActive) return [];
  if (outage) {
    // The outage opened: the incidents of the classes it explains, already open, become its children.
    const parent = { incidentId: after.incident.id, signature: after.signature, rule: ref(outage) };
    return index
      .activeOn(after.incident.system)
      .filter((entry) => entry.parentId === null && outage.alsoAbsorbs?.includes(classOf(entry.signature) ?? ''))
      .map((entry): Delivery => ({ to: entry.signature, message: { type: 'reparent', parent }, primary: false }));
  }
  if (after.incident.parent) return [];
  // A class an outage explains opened: under the outage already active on its system, if any.
  for (const { rule } of rules.lexicon.problems) {
    if (!rule.absorbs || !rule.alsoAbsorbs?.includes(mine)) continue;
    const entry = index
      .activeOn(after.incident.system)
      .filter((e) => classOf(e.signature) === rule.class)
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.signature.localeCompare(b.signature))[0];
    if (entry) return [{ to: after.signature, message: { type: 'reparent', parent: { incidentId: entry.incidentId, signature: entry.signature, rule: ref(rule) } }, primary: false }];
  }
  return [];
}

/**
 * A child incident's reach (facilities, patient impact) to its parent when it gains a parent or
 * the reach changes, and `gone` to the parent it leaves: the cause's queue and priority count it.
 */
function reachToParent(before: IncidentState, after: IncidentState): Delivery[] {
  if (after.status === 'none') return [];
  const was = before.status !== 'none' && before.incident.id === after.incident.id ? before.incident : undefined;
  const from = { incidentId: after.incident.id, signature: after.signature };
  const parent = after.status === 'merged' ? null : after.incident.parent;
  const deliveries: Delivery[] = [];
  if (was?.parent && was.parent.incidentId !== parent?.incidentId) {
    deliveries.push({ to: was.parent.signature, message: { type: 'impact', from, facilities: [], patientImpact: false, gone: true }, primary: false });
  }
  const { facilities, patientImpact } = after.incident;
  const changed = !was || was.parent?.incidentId !== parent?.incidentId || was.patientImpact !== patientImpact || was.facilities.length !== facilities.length;
  if (parent && changed) deliveries.push({ to: parent.signature, message: { type: 'impact', from, facilities, patientImpact }, primary: false });
  return deliveries;
}

/**
 * An event for an incident whose parent is no longer active: the cause ended and this goes on, so
 * it is a problem of its own now (and `reparent` opens the ticket its parent had held back).
 */
function outlivedCause(delivery: Delivery, after: IncidentState, index: CorrelationIndex): Delivery[] {
  // A person's report after the cause ended is about its aftermath ("working again but slow"); a
  // monitor's alert or another failed sign-in is the problem going on.
  if (delivery.message.type !== 'event' || delivery.message.event.kind === 'report' || after.status === 'none' || !isActive(after.status) || !after.incident.parent) return [];
  const parent = after.incident.parent;
  if (index.get(parent.signature)?.incidentId === parent.incidentId) return [];
  return [{ to: after.signature, message: { type: 'reparent', parent: null }, primary: false }];
}

/**
 * An account change that arrives after its person reported (the lockout logged two minutes after
 * the call): the identity rule that would have sent the report to the identity incident, had the
 * change come first, pulls it over now. One release per incident holding their reports.
 */
function identityPulls(delivery: Delivery, after: IncidentState, rules: RuleSet, index: CorrelationIndex, now: Date): Delivery[] {
  const message = delivery.message;
  if (message.type !== 'event' || message.event.kind !== 'identity' || after.status === 'none' || after.incident.origin !== 'identity') return [];
  const token = message.event.requester?.token;
  const action = message.event.errorSignature ?? '';
  if (!token) return [];
  const rule = rules.identity.find((r) => r.actions.includes(action));
  if (!rule) return [];
  const bySignature = new Map<string, string[]>();
  for (const note of index.reportsBy(token)) {
    const age = now.getTime() - Date.parse(note.at);
    if (note.signature === after.signature || age > rule.withinMs || age < -rule.withinMs) continue;
    bySignature.set(note.signature, [...(bySignature.get(note.signature) ?? []), note.childKey]);
  }
  const to = { incidentId: after.incident.id, signature: after.signature };
  return [...bySignature].map(([signature, childKeys]): Delivery => ({ to: signature, message: { type: 'release', to, childKeys, rule: ref(rule) }, primary: false }));
}

/**
 * The dependency graph: an incident that opens on a downstream system while an upstream one is
 * active becomes its child; when an upstream incident opens or ends, its downstream incidents
 * are re-evaluated.
 */
function dependencyFollowUps(before: IncidentState, after: IncidentState, rules: RuleSet, index: CorrelationIndex): Delivery[] {
  if (after.status === 'none' || rules.dependencies.length === 0) return [];
  // A problem of a class that stands alone (upkeep: a disk filling up) is nobody's symptom.
  const standsAlone = (signature: string) => standsAloneIn(rules, signature);
  const wasActive = before.status !== 'none' && isActive(before.status) && 'incident' in before && before.incident.id === after.incident.id;
  const nowActive = isActive(after.status);
  const deliveries: Delivery[] = [];
  if (nowActive && !wasActive && !after.incident.parent && !standsAlone(after.signature)) {
    const parent = nearestActiveUpstream(after.incident.system, after.incident.facilities, rules, index);
    if (parent) deliveries.push({ to: after.signature, message: { type: 'reparent', parent }, primary: false });
  }
  if (wasActive !== nowActive) {
    for (const down of rules.dependencies.filter((d) => d.upstream === after.incident.system).flatMap((d) => d.downstream)) {
      for (const entry of index.activeOn(down)) {
        if (standsAlone(entry.signature)) continue;
        const parent = nearestActiveUpstream(entry.system, entry.facilities, rules, index);
        if ((parent?.incidentId ?? null) !== entry.parentId) deliveries.push({ to: entry.signature, message: { type: 'reparent', parent }, primary: false });
      }
    }
  }
  return deliveries;
}

function nearestActiveUpstream(system: string, facilities: string[], rules: RuleSet, index: CorrelationIndex): (IncidentLink & { rule: RuleRef }) | null {
  const seen = new Set<string>([system]);
  let frontier: Array<{ system: string; rule?: DependencyRule }> = [{ system }];
  while (frontier.length > 0) {
    const next: Array<{ system: string; rule: DependencyRule }> = [];
    for (const { system: down } of frontier) {
      for (const rule of rules.dependencies.filter((d) => d.downstream.includes(down))) {
        // Of the upstream system's active incidents, a cause before a symptom (one with no parent
        // of its own: the identity provider's outage, not the failed sign-ins it explains).
        const upstream = index
          .activeOn(rule.upstream)
          .filter((entry) => entry.facilities.length === 0 || facilities.length === 0 || entry.facilities.some((f) => facilities.includes(f)))
          .sort((a, b) => Number(a.parentId !== null) - Number(b.parentId !== null) || a.openedAt.localeCompare(b.openedAt) || a.signature.localeCompare(b.signature))[0];
        if (upstream) return { incidentId: upstream.incidentId, signature: upstream.signature, rule: ref(rule) };
        if (!seen.has(rule.upstream)) {
          seen.add(rule.upstream);
          next.push({ system: rule.upstream, rule });
        }
      }
    }
    frontier = next;
  }
  return null;
}

/**
 * Confidence that a report belongs to an incident: a system it is about is most of it (the
 * helpdesk filed it there, or its words name it), the same facility a little more, shared words
 * the rest. A report about no system is matched by its words alone.
 */
export function scoreReport(isAbout: (system: string) => boolean, namesNone: boolean, place: string | undefined, reportTokens: string[], entry: IndexEntry, shared = false): number {
  // A shared system's outage is everyone's: a report from any facility is as close as one from its first.
  const facility = shared || (place && entry.facilities.includes(place)) ? 0.1 : !place || entry.facilities.length === 0 ? 0.05 : 0;
  const words = overlap(reportTokens, [...entry.vocabulary, ...tokensOf(entry.system.replace(/[-_.]/g, ' '))]);
  // A report that names no system has only its words: they weigh what the system would have.
  if (namesNone) return facility + 0.9 * words;
  return (isAbout(entry.system) ? 0.5 : 0) + facility + 0.4 * words;
}

/** The share of a report's words an `unreported` class's incident must hold for the report to be about it. */
const UNREPORTED_WORDS_SHARED = 0.25;

function classRule(rules: RuleSet, problem: string): ProblemRule | undefined {
  return rules.lexicon.problems.find(({ rule }) => rule.class === problem)?.rule;
}

/** The problem class a signature carries (`~degraded` → `degraded`), if any. */
function problemClassOfSignature(signature: string): string | undefined {
  return signature.split('|').find((field) => field.startsWith('~'))?.slice(1);
}

/** Whether the signature's problem class stands alone (upkeep): nobody's symptom, nobody reports it. */
function standsAloneIn(rules: RuleSet, signature: string): boolean {
  const problem = problemClassOfSignature(signature);
  return problem !== undefined && classRule(rules, problem)?.standsAlone === true;
}

function suggestionId(from: IncidentLink, target: IndexEntry): string {
  return `sg-${from.incidentId.slice(0, 8)}-${target.incidentId.slice(0, 8)}`;
}

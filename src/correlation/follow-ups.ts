import { byOpening, ofOnePerson, type CorrelationIndex, type IndexEntry } from './correlation-index.js';
import { isActive, type IncidentLink, type IncidentState } from './incident.js';
import type { Delivery } from './inputs.js';
import { problemClassOfSignature, standsAlone, systemRule } from './names.js';
import { ref, type DependencyRule, type RuleRef, type RuleSet } from './rules.js';

// What an actor's transition makes for other actors, beside its own sends, as pure functions over
// the correlation index: a report's suggestion, identity pulls, an outage's merges and children,
// a child's reach told to its parent, the dependency graph's re-evaluations.

/**
 * What a delivery's transition makes for other actors, beside its own sends: the suggestion a
 * report's routing decided on, and the dependency graph's re-evaluations. `before` and `after`
 * are the actor's states around the transition.
 */
export function followUps(delivery: Delivery, before: IncidentState, after: IncidentState, { rules, index, now }: { rules: RuleSet; index: CorrelationIndex; now: Date }): Delivery[] {
  const pulls = [...identityPulls(delivery, after, rules, index, now), ...outageMerges(before, after, rules, index), ...sameDeviceMerges(before, after, rules, index), ...outageParents(before, after, rules, index), ...outlivedCause(delivery, after, index), ...reachToParent(before, after)];
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
 * no class, are merged into it, as they would have joined it had it been there first. On a system
 * that is not shared, only what people reported first at the same facility is (the ward called
 * about the badges before the gateway's alarm): a person's words are the outage the monitor saw;
 * a printer family's members count as one system for it.
 */
function outageMerges(before: IncidentState, after: IncidentState, rules: RuleSet, index: CorrelationIndex): Delivery[] {
  if (after.status === 'none' || !isActive(after.status)) return [];
  if (before.status !== 'none' && isActive(before.status) && before.incident.id === after.incident.id) return [];
  const rule = rules.lexicon.problems.find(({ rule: r }) => r.absorbs && `${after.signature}|`.includes(`|~${r.class}|`))?.rule;
  if (!rule) return [];
  const system = systemRule(rules.lexicon, after.incident.system);
  const unclassed = (entry: IndexEntry) => entry.signature !== after.signature && !entry.signature.split('|').some((field) => field.startsWith('~')) && entry.parentId === null;
  const here = (entry: IndexEntry) => entry.origin === 'report' && entry.facilities.some((f) => after.incident.facilities.includes(f));
  const candidates =
    system?.scope === 'shared'
      ? index.activeOn(after.incident.system).filter(unclassed)
      : after.incident.facilities.length === 0
        ? []
        : system?.system.includes('*')
          ? index.entries().filter((entry) => unclassed(entry) && here(entry) && systemRule(rules.lexicon, entry.system) === system)
          : index.activeOn(after.incident.system).filter((entry) => unclassed(entry) && here(entry));
  const into = { incidentId: after.incident.id, signature: after.signature };
  return candidates.map((entry): Delivery => ({ to: entry.signature, message: { type: 'command', command: { verb: 'merge', by: `rule:${rule.id}@${rule.version}`, into } }, primary: false }));
}

/**
 * One device seen by two monitors that name its system differently (SNMP says `printer`, the print
 * server's bridge `printer-hc100`): when an incident's events name a device another active incident
 * at the same facility also names, on the same system family and with the same problem, the newer
 * is merged into the older. Only a named device decides it: two printers of one family at one site
 * with the same fault stay two problems.
 */
function sameDeviceMerges(before: IncidentState, after: IncidentState, rules: RuleSet, index: CorrelationIndex): Delivery[] {
  if (after.status === 'none' || !isActive(after.status) || after.incident.parent) return [];
  const devices = after.incident.devices;
  if (!devices || (before.status !== 'none' && before.incident.id === after.incident.id && before.incident.devices === devices)) return [];
  const system = systemRule(rules.lexicon, after.incident.system);
  if (!system) return [];
  const problem = after.signature.split('|')[1];
  const twin = index
    .entries()
    .find(
      (entry) =>
        entry.signature !== after.signature &&
        entry.parentId === null &&
        entry.signature.split('|')[1] === problem &&
        entry.devices.some((device) => devices.includes(device)) &&
        entry.facilities.some((f) => after.incident.facilities.includes(f)) &&
        systemRule(rules.lexicon, entry.system) === system,
    );
  if (!twin) return [];
  const by = `rule:${system.id}@${system.version}`;
  const [older, newer] = twin.openedAt <= after.incident.openedAt ? [{ incidentId: twin.incidentId, signature: twin.signature }, after.signature] : [{ incidentId: after.incident.id, signature: after.signature }, twin.signature];
  return [{ to: newer, message: { type: 'command', command: { verb: 'merge', by, into: older } }, primary: false }];
}

/**
 * Problems an outage explains but that stay incidents of their own (`alsoAbsorbs`: the failed
 * sign-ins of an identity provider that is down): whichever opens second, the class's incident on
 * the same shared system becomes the outage's child, as a dependency's would. It keeps its own
 * signature, so the account changes in it still capture their people's reports.
 */
function outageParents(before: IncidentState, after: IncidentState, rules: RuleSet, index: CorrelationIndex): Delivery[] {
  // Only as an incident opens, or as one person's trouble becomes a crowd's. An outage that ends
  // keeps its children: failed sign-ins are instants nothing resolves, so their incident outlives
  // its cause by hours; one that hears something new after it is unparented then (`outlivedCause`),
  // and opens its own ticket.
  if (after.status === 'none' || !isActive(after.status)) return [];
  const opened = !(before.status !== 'none' && isActive(before.status) && before.incident.id === after.incident.id);
  const crowded = !opened && ofOnePerson(before.incident) && !ofOnePerson(after.incident);
  if (!opened && !crowded) return [];
  if (systemRule(rules.lexicon, after.incident.system)?.scope !== 'shared') return [];
  const mine = problemClassOfSignature(after.signature);
  if (mine === undefined) return [];
  const outage = rules.lexicon.problems.find(({ rule }) => rule.absorbs && rule.class === mine)?.rule;
  if (outage) {
    if (!opened) return [];
    // The outage opened: the incidents of the classes it explains, already open, become its
    // children; one person's lockout or new phone is that person's, not the provider's.
    const parent = { incidentId: after.incident.id, signature: after.signature, rule: ref(outage) };
    return index
      .activeOn(after.incident.system)
      .filter((entry) => entry.parentId === null && !entry.onePerson && outage.alsoAbsorbs?.includes(problemClassOfSignature(entry.signature) ?? ''))
      .map((entry): Delivery => ({ to: entry.signature, message: { type: 'reparent', parent }, primary: false }));
  }
  if (after.incident.parent || ofOnePerson(after.incident)) return [];
  // A class an outage explains opened (or became a crowd's): under the outage already active on its system, if any.
  for (const { rule } of rules.lexicon.problems) {
    if (!rule.absorbs || !rule.alsoAbsorbs?.includes(mine)) continue;
    const entry = index
      .activeOn(after.incident.system)
      .filter((e) => problemClassOfSignature(e.signature) === rule.class)
      .sort(byOpening)[0];
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
  const ticketHeld = after.incident.ticketed && isActive(after.status) ? after.incident.queue : undefined;
  const heldBefore = was !== undefined && before.status !== 'none' && was.ticketed && isActive(before.status) ? was.queue : undefined;
  const changed = !was || was.parent?.incidentId !== parent?.incidentId || was.patientImpact !== patientImpact || was.facilities.length !== facilities.length || heldBefore !== ticketHeld;
  if (parent && changed) deliveries.push({ to: parent.signature, message: { type: 'impact', from, facilities, patientImpact, ...(ticketHeld ? { ticketHeld } : {}) }, primary: false });
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
  const alone = (signature: string) => standsAlone(rules.lexicon, signature);
  const wasActive = before.status !== 'none' && isActive(before.status) && 'incident' in before && before.incident.id === after.incident.id;
  const nowActive = isActive(after.status);
  const deliveries: Delivery[] = [];
  if (nowActive && !wasActive && !after.incident.parent && !alone(after.signature)) {
    const parent = nearestActiveUpstream(after.incident.system, after.incident.facilities, rules, index, after.incident.title);
    if (parent) deliveries.push({ to: after.signature, message: { type: 'reparent', parent }, primary: false });
  }
  if (wasActive !== nowActive) {
    const below = rules.dependencies.filter((d) => d.upstream === after.incident.system);
    const candidates = below.flatMap((d) => d.downstream).flatMap((down) => (down === '*' ? index.entries().filter((e) => e.facilities.some((f) => after.incident.facilities.includes(f))) : index.activeOn(down)));
    // Only what a rule of this upstream makes its downstream: an incident at the same site that is
    // another's child for another reason (the sign-ins under their provider's outage) is left be.
    const entries = new Set(candidates.filter((e) => below.some((d) => dependsOn(d, e.system, e.facilities, e.title, rules))));
    for (const entry of entries) {
      if (alone(entry.signature) || entry.signature === after.signature) continue;
      const parent = nearestActiveUpstream(entry.system, entry.facilities, rules, index, entry.title);
      if ((parent?.incidentId ?? null) !== entry.parentId) deliveries.push({ to: entry.signature, message: { type: 'reparent', parent }, primary: false });
    }
  }
  return deliveries;
}

/**
 * Whether the rule makes a system (an incident titled so, at those facilities) its downstream: by
 * name, or by `*` as a system at a facility that is not shared, and in either case, when the rule
 * has words, only an incident whose title says one.
 */
function dependsOn(rule: DependencyRule, system: string, facilities: string[], title: string, rules: RuleSet, sharedFromSite = false): boolean {
  const named = rule.downstream.includes(system);
  if (!named && (!rule.downstream.includes('*') || system === rule.upstream || facilities.length === 0 || (!sharedFromSite && systemRule(rules.lexicon, system)?.scope === 'shared'))) return false;
  return !rule.wordsPattern || rule.wordsPattern.test(title);
}

/**
 * The nearest active incident upstream of a system (by the dependency rules) at any of the
 * facilities, cause before symptom. `sharedFromSite`: the question is asked for a person at `facilities` (a report), for whom a shared
 * system unreachable ("Meditech says no network") is their site's network or power as much as a
 * local one: `*` takes shared systems too. A shared system's own incidents are never asked this way.
 */
export function nearestActiveUpstream(system: string, facilities: string[], rules: RuleSet, index: CorrelationIndex, title = '', sharedFromSite = false): (IncidentLink & { rule: RuleRef }) | null {
  const seen = new Set<string>([system]);
  let frontier: Array<{ system: string; rule?: DependencyRule }> = [{ system }];
  while (frontier.length > 0) {
    const next: Array<{ system: string; rule: DependencyRule }> = [];
    for (const { system: down } of frontier) {
      for (const rule of rules.dependencies.filter((d) => dependsOn(d, down, facilities, title, rules, sharedFromSite))) {
        // Of the upstream system's active incidents, a cause before a symptom (one with no parent
        // of its own: the identity provider's outage, not the failed sign-ins it explains). By
        // `*`, only the upstream's incident at the same facility.
        // A shared upstream (an interface engine) serves every site, whichever site's NACKs opened it.
        const byFacility = !rule.downstream.includes(down);
        const everywhere = !byFacility && systemRule(rules.lexicon, rule.upstream)?.scope === 'shared';
        const upstream = index
          .activeOn(rule.upstream)
          .filter((entry) => (byFacility ? entry.facilities.some((f) => facilities.includes(f)) : everywhere || entry.facilities.length === 0 || facilities.length === 0 || entry.facilities.some((f) => facilities.includes(f))))
          .sort((a, b) => Number(a.parentId !== null) - Number(b.parentId !== null) || byOpening(a, b))[0];
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

function suggestionId(from: IncidentLink, target: IndexEntry): string {
  return `sg-${from.incidentId.slice(0, 8)}-${target.incidentId.slice(0, 8)}`;
}

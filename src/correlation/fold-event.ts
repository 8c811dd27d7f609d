import { childKeyOf, moreSevere, type CanonicalEvent } from './canonical-event.js';
import { Decisions } from './decisions.js';
import type { Route } from './messages.js';
import type { Context, Transition } from './transition.js';
import { childOf, deviceOf, DEVICES_KEPT, emptyTally, incidentIdFor, isActive, nextRevision, putChildren, union, type Child, type IncidentBody, type IncidentState, type LiveStatus, type Origin } from './incident.js';
import { openTicket, settle } from './lifecycle.js';
import { plus, windowOf } from './windows.js';
import { priorityOf } from './priority.js';
import { routeOf } from './routing.js';
import { FALLBACK_SIGNATURE, ref, reportRuleFor, windowFor, type MaintenanceRule, type RuleSet } from './rules.js';
import { tokensOf, widenVocabulary } from './tokens.js';
import { systemRule } from './names.js';

type Live = Extract<IncidentState, { status: LiveStatus }>;

export function foldEvent(state: IncidentState, event: CanonicalEvent, route: Route, context: Context): Transition {
  const d = new Decisions(context.nowIso, event.correlationId);
  const key = childKeyOf(event);
  switch (state.status) {
    case 'none':
      return d.done(open(state.signature, 1, event, route, d, context));
    case 'merged':
      // A merged incident's signature lives on in the incident it was merged into.
      d.journal('event.forwarded', state.incident, { to: state.into.incidentId }, { childKey: key });
      d.send(state.into.signature, { type: 'event', event, route });
      return d.done(state);
    case 'open':
    case 'acknowledged':
    case 'flapping':
    case 'resolved': {
      const forward = state.incident.forwards[key];
      if (forward !== undefined) {
        d.journal('event.forwarded', state.incident, { to: forward }, { childKey: key });
        d.send(forward, { type: 'event', event, route });
        return d.done(state);
      }
      if (state.status === 'resolved' && startsNewEpisode(state.incident, event, context)) {
        return d.done(open(state.signature, state.incident.episode + 1, event, route, d, context));
      }
      return d.done(fold(state, event, route, d, context));
    }
    default:
      throw new Error(`unhandled state ${JSON.stringify(state)}`);
  }
}

/** Firing again after the reopen window has passed is a new problem, not the old one back. */
function startsNewEpisode(incident: IncidentBody, event: CanonicalEvent, context: Context): boolean {
  if (event.status !== 'firing' || incident.resolvedAt === null) return false;
  const child = childOf(incident, childKeyOf(event));
  const news = !child || supersedes(event, child);
  const window = windowOf(incident, context.rules);
  return news && context.now.getTime() - Date.parse(incident.resolvedAt) > window.reopenWindowMs;
}

function open(signature: string, episode: number, event: CanonicalEvent, route: Route, d: Decisions, context: Context): IncidentState {
  const now = context.nowIso;
  const window = windowFor(context.rules, event);
  // A symptom of a declared upstream waits for it as long as the dependency says (rules.ts: waitMs).
  const groupWaitMs = context.rules.dependencies.reduce((wait, rule) => (rule.waitMs && rule.downstream.includes(event.system) ? Math.max(wait, rule.waitMs) : wait), window.groupWaitMs);
  const maintenance = maintenanceFor(context.rules, event);
  const origin: Origin = event.kind === 'report' ? 'report' : event.kind === 'identity' ? 'identity' : 'machine';
  const draft: IncidentBody = {
    id: incidentIdFor(signature, episode),
    signature,
    episode,
    origin,
    title: event.symptom,
    ...(event.errorSignature ? { errorSignature: event.errorSignature } : {}),
    severity: event.severity,
    priority: 'P4',
    priorityRule: { id: 'none', version: 0 },
    queue: '',
    routingRule: { id: 'none', version: 0 },
    system: event.system,
    // A shared system's incident belongs to no one facility: reports from any facility can join it.
    scope: systemRule(context.rules.lexicon, event.system)?.scope === 'shared' ? null : (event.facility ?? null),
    context: event.context ?? null,
    facilities: [],
    departments: [],
    firstSeen: event.occurredAt,
    lastSeen: event.occurredAt,
    openedAt: now,
    resolvedAt: null,
    patientImpact: event.patientImpact,
    correlationId: event.correlationId,
    window: ref(window),
    children: [],
    tally: emptyTally(),
    acknowledged: null,
    parent: null,
    suppressed: maintenance ? ref(maintenance) : null,
    // groupWait 0 means "ticket at once": a burst window of nothing.
    ticketed: groupWaitMs === 0 && !maintenance,
    ticketOpenedAt: null,
    escalationStep: 0,
    flaps: [],
    timers: {
      ...(groupWaitMs > 0 ? { groupWait: plus(now, groupWaitMs) } : {}),
      autoResolve: plus(now, window.autoResolveAfterMs),
    },
    suggestions: [],
    vocabulary: tokensOf(event.symptom),
    forwards: {},
  };
  const { priority, rule } = priorityOf(draft, context.rules);
  const prioritized = { ...draft, priority, priorityRule: ref(rule) };
  const routed = routeOf(prioritized, context.rules, context.now);
  const incident = { ...prioritized, queue: routed.queue, routingRule: ref(routed.rule) };
  d.journal('incident.opened', incident, { title: incident.title, severity: incident.severity, system: incident.system, origin, episode }, { rule: route.signatureRule ?? FALLBACK_SIGNATURE });
  d.journal('incident.routed', incident, { queue: incident.queue }, { rule: incident.routingRule });
  if (maintenance) d.journal('incident.suppressed', incident, { until: maintenance.to }, { rule: maintenance });
  if (incident.ticketed) d.journal('ticket.opened', incident, { priority, title: incident.title }, { rule: window });
  // Start from an open, childless incident and fold the first event in like any other.
  return fold({ status: 'open', signature, incident }, event, route, d, context);
}

function fold(state: Live, event: CanonicalEvent, route: Route, d: Decisions, context: Context): IncidentState {
  const key = childKeyOf(event);
  const before = state.incident;
  const existing = childOf(before, key);
  // Stamped here with the revision putChildren gives them, so it need not copy them again.
  const rev = nextRevision(before);
  let child: Child;

  if (!existing) {
    child = newChild(key, event, route, rev, context);
    d.journal(
      'child.attached',
      before,
      { status: event.status, kind: event.kind, ...(route.attach ? { score: route.attach.score } : {}), ...(route.namedBy ? { namedBy: route.namedBy.map((r) => `${r.id}@${r.version}`) } : {}) },
      { childKey: key, ...(route.attach ? { rule: route.attach } : route.spread ? { rule: route.spread } : {}) },
    );
  } else if (supersedes(event, existing) && event.status !== existing.status) {
    child = { ...existing, status: event.status, changedAt: event.occurredAt, severity: moreSevere(existing.severity, event.severity), rev };
    d.journal(event.status === 'resolved' ? 'child.resolved' : 'child.refired', before, {}, { childKey: key });
  } else {
    // Same status again, or an older event arriving late: it must not undo a newer status, but a
    // newer repeat moves changedAt so that an older status change cannot win over it later.
    const changedAt = supersedes(event, existing) ? event.occurredAt : existing.changedAt;
    child = { ...existing, changedAt, repeats: existing.repeats + 1, rev };
    d.journal('child.repeated', before, { repeats: child.repeats }, { childKey: key });
  }

  const put = putChildren(before, [child]);
  // An active incident's auto-resolve moves with every firing event (set in the same copy as the rest).
  const timers = isActive(state.status) && event.status === 'firing' ? { ...put.timers, autoResolve: plus(context.nowIso, windowOf(put, context.rules).autoResolveAfterMs) } : put.timers;
  let incident = widen(put, event, timers);
  if (!incident.patientImpact && careSaid(event, context.rules)) incident = { ...incident, patientImpact: true };
  // Seen at a second facility (a spread rule): the incident is no longer one facility's, and reports from either may join it.
  if (route.spread && incident.scope !== null && event.facility !== incident.scope) incident = { ...incident, scope: null };
  if (event.kind === 'report') incident = { ...incident, vocabulary: widenVocabulary(incident.vocabulary, tokensOf(event.symptom)) };
  const role = event.requester?.role?.toLowerCase();
  if (role && !(incident.tally.roles ?? []).includes(role)) incident = { ...incident, tally: { ...incident.tally, roles: [...(incident.tally.roles ?? []), role].sort() } };
  incident = unsuppressIfOutside(incident, event, d, context.rules);
  incident = fillContext(incident, event, d);
  return settle(state, before, incident, d, context);
}

/**
 * Context learned later fills in what an earlier event could not get (the directory was down): the
 * ticket is told once it is complete. A less complete context never replaces a better one.
 */
function fillContext(incident: IncidentBody, event: CanonicalEvent, d: Decisions): IncidentBody {
  const offered = event.context;
  if (!offered || offered.enrichment === 'unavailable') return incident;
  const current = incident.context;
  if (current !== null && JSON.stringify(current) === JSON.stringify(offered)) return incident;
  if (current?.enrichment === 'ok' && offered.enrichment !== 'ok') return incident;
  const next = { ...incident, context: { ...current, ...offered } };
  if (current === null || current.enrichment !== 'ok') {
    d.journal('incident.enriched', next, { enrichment: offered.enrichment, was: current?.enrichment ?? 'none' });
    if (next.ticketed) d.journal('ticket.updated', next, { enrichment: offered.enrichment });
  }
  return next;
}

/** Maintenance is judged by when the event happened: replaying it later gives the same answer. */
export function maintenanceFor(rules: RuleSet, event: Pick<CanonicalEvent, 'system' | 'facility' | 'occurredAt'>): MaintenanceRule | undefined {
  return rules.maintenance.find(
    (rule) =>
      (!rule.systems || rule.systems.includes(event.system)) &&
      (!rule.facilities || (event.facility !== undefined && rule.facilities.includes(event.facility))) &&
      rule.from <= event.occurredAt &&
      event.occurredAt < rule.to,
  );
}

function unsuppressIfOutside(incident: IncidentBody, event: CanonicalEvent, d: Decisions, rules: RuleSet): IncidentBody {
  if (!incident.suppressed || event.status !== 'firing' || maintenanceFor(rules, event)) return incident;
  let next: IncidentBody = { ...incident, suppressed: null };
  d.journal('incident.unsuppressed', next, { reason: 'firing outside the maintenance window' }, { rule: incident.suppressed });
  // The ticket that was withheld during maintenance goes out now.
  if (!next.ticketed && next.timers.groupWait === undefined) next = openTicket(next, d);
  return next;
}

/**
 * A child's status follows its newest event. Ties go to `resolved`, so the same events give the
 * same result in any delivery order.
 */
export function supersedes(event: CanonicalEvent, child: Child): boolean {
  if (event.occurredAt !== child.changedAt) return event.occurredAt > child.changedAt;
  return event.status === 'resolved' && child.status === 'firing';
}

function newChild(key: string, event: CanonicalEvent, route: Route, rev: number, context: Context): Child {
  return {
    key,
    id: event.id,
    kind: event.kind,
    source: context.sources ? context.sources.intern(event.source) : event.source,
    status: event.status,
    severity: event.severity,
    firstSeen: event.occurredAt,
    changedAt: event.occurredAt,
    repeats: 0,
    ...(event.requester ? { requesterToken: event.requester.token } : {}),
    ...(event.facility ? { facility: event.facility } : {}),
    ...(event.department ? { department: event.department } : {}),
    ...(event.kind === 'report' && event.labels?.helpdeskTicket ? { helpdeskTicket: event.labels.helpdeskTicket } : {}),
    ...(route.attach ? { attachedBy: route.attach } : {}),
    rev,
  };
}

/** Whether a person's report says care is affected, in the words its report rule knows (`careWords`). */
function careSaid(event: CanonicalEvent, rules: RuleSet): boolean {
  if (event.kind !== 'report') return false;
  return reportRuleFor(rules, event.system)?.carePattern?.test(event.symptom) === true;
}

/** What every event adds to the blast radius, whether or not it changes a child's status; `timers` as they are to be after it. */
function widen(incident: IncidentBody, event: CanonicalEvent, timers: IncidentBody['timers']): IncidentBody {
  const device = deviceOf(event.labels);
  const known = incident.devices ?? [];
  return {
    ...incident,
    ...(device && !known.includes(device) && known.length < DEVICES_KEPT ? { devices: [...known, device].sort() } : {}),
    timers,
    severity: moreSevere(incident.severity, event.severity),
    facilities: event.facility ? union(incident.facilities, [event.facility]) : incident.facilities,
    departments: event.department ? union(incident.departments, [event.department]) : incident.departments,
    firstSeen: event.occurredAt < incident.firstSeen ? event.occurredAt : incident.firstSeen,
    lastSeen: event.occurredAt > incident.lastSeen ? event.occurredAt : incident.lastSeen,
    patientImpact: incident.patientImpact || event.patientImpact,
  };
}

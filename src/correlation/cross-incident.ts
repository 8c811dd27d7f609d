import { Decisions } from './decisions.js';
import { childCount, childOf, childrenOf, dropChildren, incidentIdFor, isActive, putChildren, requesterTokens, union, withChildren, type IncidentBody, type IncidentLink, type IncidentState, type Suggestion } from './incident.js';
import { openTicket, settle } from './lifecycle.js';
import type { IncidentMessage } from './messages.js';
import type { RuleRef } from './rules.js';
import type { Context, Transition } from './transition.js';

// What other incidents' actors send one: children of a merge, children a split hands over, a
// dependency parent, a suggestion. Each is a message like an event, and decided the same way.

export function absorb(state: IncidentState, message: Extract<IncidentMessage, { type: 'absorb' }>, context: Context): Transition {
  const d = new Decisions(context.nowIso, state.status === 'none' ? '' : state.incident.correlationId);
  if (state.status === 'none' || state.status === 'merged') return d.done(state, `incident ${state.signature} cannot take children now`);
  let incident = state.incident;
  const arriving = message.children.map((child) => {
    const existing = childOf(state.incident, child.key);
    d.journal('child.attached', state.incident, { from: message.from.incidentId }, { childKey: child.key });
    return existing ? { ...existing, repeats: existing.repeats + child.repeats + 1 } : child;
  });
  incident = {
    ...putChildren(incident, arriving),
    facilities: union(incident.facilities, message.children.flatMap((c) => (c.facility ? [c.facility] : []))),
    departments: union(incident.departments, message.children.flatMap((c) => (c.department ? [c.department] : []))),
    suggestions: incident.suggestions.filter((s) => s.from.signature !== message.from.signature),
  };
  d.journal('incident.absorbed', incident, { from: message.from, children: message.children.length, by: message.by });
  if (incident.ticketed) d.journal('ticket.updated', incident, { absorbed: message.from.incidentId });
  const before = state.incident;
  return d.done(settle(state, before, incident, d, context));
}

export function adopt(state: IncidentState, message: Extract<IncidentMessage, { type: 'adopt' }>, context: Context): Transition {
  const now = context.nowIso;
  const d = new Decisions(now, message.template.correlationId);
  if (state.status !== 'none') return d.done(state, `signature ${state.signature} is already in use`);
  const firing = message.children.some((c) => c.status === 'firing');
  const incident: IncidentBody = withChildren({
    ...message.template,
    id: incidentIdFor(state.signature, 1),
    signature: state.signature,
    episode: 1,
    title: message.title,
    facilities: union([], message.children.flatMap((c) => (c.facility ? [c.facility] : []))),
    departments: union([], message.children.flatMap((c) => (c.department ? [c.department] : []))),
    openedAt: now,
    resolvedAt: firing ? null : now,
    acknowledged: null,
    ticketed: true,
    flaps: [],
    timers: {},
    suggestions: [],
    forwards: {},
  }, message.children);
  d.journal('incident.adopted', incident, { from: message.from, children: message.children.length, by: message.by });
  d.journal('ticket.opened', incident, { priority: incident.priority, title: incident.title });
  const next: IncidentState = firing ? { status: 'open', signature: state.signature, incident } : { status: 'resolved', signature: state.signature, incident };
  return d.done(next);
}

/**
 * Hands a person's reports over to the identity incident that explains them (their account was
 * locked, deactivated, its MFA reset after they reported). The children leave with a forward, so
 * a repeat of the report follows them; an incident left with nothing but those reports is merged
 * into the identity incident whole. Journaled on both sides with the identity rule, and undone
 * by splitting the reports off the identity incident.
 */
export function release(state: IncidentState, message: Extract<IncidentMessage, { type: 'release' }>, context: Context): Transition {
  if (state.status === 'none' || state.status === 'merged' || state.signature === message.to.signature) return { state, effects: [] };
  const incident = state.incident;
  const moving = message.childKeys.filter((key) => childOf(incident, key) !== undefined);
  if (moving.length === 0) return { state, effects: [] };
  const d = new Decisions(context.nowIso, incident.correlationId);
  const by = `rule:${message.rule.id}@${message.rule.version}`;
  if (moving.length >= childCount(incident)) {
    d.journal('incident.merged', incident, { into: message.to.incidentId, by, reason: 'identity' }, { rule: message.rule });
    if (incident.ticketed) d.journal('ticket.merged', incident, { into: message.to.incidentId, notify: requesterTokens(incident) });
    d.send(message.to.signature, { type: 'absorb', from: { incidentId: incident.id, signature: state.signature }, children: childrenOf(incident), by });
    return d.done({ status: 'merged', signature: state.signature, incident: { ...incident, timers: {} }, into: message.to });
  }
  const forwards = { ...incident.forwards, ...Object.fromEntries(moving.map((key) => [key, message.to.signature])) };
  const next = { ...dropChildren(incident, moving), forwards };
  d.journal('incident.split', next, { children: moving, to: message.to.signature, by, reason: 'identity' }, { rule: message.rule });
  if (next.ticketed) d.journal('ticket.updated', next, { split: moving.length });
  d.send(message.to.signature, { type: 'absorb', from: { incidentId: incident.id, signature: state.signature }, children: moving.flatMap((key) => childOf(incident, key) ?? []), by });
  return d.done(settle(state, incident, next, d, context));
}

export function reparent(state: IncidentState, parent: (IncidentLink & { rule: RuleRef }) | null, context: Context): Transition {
  if (state.status === 'none' || state.status === 'merged') return { state, effects: [] };
  const d = new Decisions(context.nowIso, state.incident.correlationId);
  const current = state.incident.parent;
  if ((current?.incidentId ?? null) === (parent?.incidentId ?? null)) return d.done(state);
  const incident = { ...state.incident, parent };
  if (parent) d.journal('incident.parented', incident, { parent: parent.incidentId, system: parent.signature.split('|')[0] }, { rule: parent.rule });
  else d.journal('incident.unparented', incident, { was: current?.incidentId }, current ? { rule: current.rule } : {});
  if (incident.ticketed) d.journal('ticket.updated', incident, { parent: parent?.incidentId ?? null });
  // Its ticket was withheld while its cause had one (lifecycle.ts); the cause is gone, it is not.
  else if (!parent && isActive(state.status) && !incident.suppressed && incident.timers.groupWait === undefined) return d.done({ ...state, incident: openTicket(incident, d, current?.rule) });
  return d.done({ ...state, incident });
}

/**
 * A child incident's reach arriving at its parent: kept by the child's id, so the parent's routing
 * and priority (reassess) count where its symptoms hurt. Nothing is journaled for it; a queue or
 * priority it changes is, with its rule.
 */
export function inherit(state: IncidentState, message: Extract<IncidentMessage, { type: 'impact' }>, context: Context): Transition {
  if (state.status === 'none' || state.status === 'merged') return { state, effects: [] };
  const d = new Decisions(context.nowIso, state.incident.correlationId);
  const { [message.from.incidentId]: _, ...others } = state.incident.explains ?? {};
  const explains = message.gone ? others : { ...others, [message.from.incidentId]: { facilities: message.facilities, patientImpact: message.patientImpact, ...(message.ticketHeld ? { ticketHeld: message.ticketHeld } : {}) } };
  const { explains: __, ...rest } = state.incident;
  // A ticket withheld while a child's stood for it opens in reassess, once none does.
  return d.done({ ...state, incident: Object.keys(explains).length > 0 ? { ...rest, explains } : rest });
}

export function suggest(state: IncidentState, suggestion: Suggestion, context: Context): Transition {
  if (state.status === 'none' || state.status === 'merged') return { state, effects: [] };
  if (state.incident.suggestions.some((s) => s.from.signature === suggestion.from.signature)) return { state, effects: [] };
  const d = new Decisions(context.nowIso, state.incident.correlationId);
  const incident = { ...state.incident, suggestions: [...state.incident.suggestions, suggestion] };
  d.journal('suggestion.added', incident, { suggestion: suggestion.id, from: suggestion.from.incidentId, score: suggestion.score }, { rule: suggestion.rule });
  return d.done({ ...state, incident });
}

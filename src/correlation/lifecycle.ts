import type { Context, Transition } from './transition.js';
import { stampOnCall } from './oncall.js';
import { Decisions } from './decisions.js';
import {
  childHoldingTicket,
  childrenOf,
  putChildren,
  type Child,
  firingChildren,
  hasUntold,
  isActive,
  requesterTokens,
  type IncidentBody,
  type IncidentState,
  type LiveStatus,
  type WithIncident,
} from './incident.js';
import { priorityOf } from './priority.js';
import { isTicketType } from './tickets.js';
import { routeOf } from './routing.js';
import { ref, type EscalationRule, type RuleRef, type RuleSet } from './rules.js';
import { plus, windowOf } from './windows.js';

type Live = Extract<IncidentState, { status: LiveStatus }>;

/**
 * Decides the incident's status after its children changed (`before` → `incident`), with flap
 * detection, tickets and priority. The caller has already decided that this incident (not a new
 * episode) is the one that changed.
 */
export function settle(state: Live, before: IncidentBody, incident: IncidentBody, d: Decisions, context: Context): IncidentState {
  const window = windowOf(incident, context.rules);
  const now = context.nowIso;
  const wasFiring = firingChildren(before) > 0;
  const firing = firingChildren(incident) > 0;
  let next: Live = { ...state, incident };

  const flapping = state.status === 'flapping';
  const changes = flapping ? wasFiring !== firing : state.status === 'resolved' ? firing : !firing;
  if (changes) {
    const flaps = [...incident.flaps.filter((at) => Date.parse(at) > context.now.getTime() - window.flapWindowMs), now];
    const body: IncidentBody = { ...incident, flaps };
    const flapEnd = { ...body.timers, flapEnd: plus(now, window.flapWindowMs) };
    if (flapping) {
      // Still flapping: note the change and push the end of the quiet period out.
      next = { status: 'flapping', signature: state.signature, incident: { ...body, timers: flapEnd } };
    } else if (flaps.length >= window.flapThreshold) {
      const flappingBody = { ...body, resolvedAt: null, timers: flapEnd };
      d.journal('incident.flapping', flappingBody, { changes: flaps.length, within: window.flapWindowMs }, { rule: window });
      if (flappingBody.ticketed) d.journal('ticket.flapping', flappingBody, {}, { rule: window });
      next = { status: 'flapping', signature: state.signature, incident: flappingBody };
    } else if (!firing) {
      next = resolve(state, body, d, context, { reason: 'no child firing' });
    } else {
      const reopened = { ...body, resolvedAt: null, acknowledged: null, timers: { ...body.timers, autoResolve: plus(now, window.autoResolveAfterMs) } };
      d.journal('incident.reopened', reopened, { reason: 'child firing again' }, { rule: window });
      if (reopened.ticketed) d.journal('ticket.reopened', reopened);
      next = { status: 'open', signature: state.signature, incident: reopened };
    }
  }
  return next;
}

/** Resolves the incident; when a ticket exists, every distinct requester is listed to be told. */
export function resolve(state: WithIncident, incident: IncidentBody, d: Decisions, context: Context, data: Record<string, unknown>, rule?: RuleRef): Live {
  const { groupWait: _g, autoResolve: _a, flapEnd: _f, escalate: _e, update: _u, ...timers } = incident.timers;
  const body: IncidentBody = { ...incident, resolvedAt: context.nowIso, timers };
  d.journal('incident.resolved', body, data, rule ? { rule } : {});
  // What the agent said and the change that fixed it travel to the helpdesk with the resolve (the note scrubbed at the command's entry).
  const told = { ...(typeof data.note === 'string' ? { note: data.note } : {}), ...(typeof data.change === 'string' ? { change: data.change } : {}), ...(typeof data.origin === 'string' ? { origin: data.origin } : {}) };
  if (body.ticketed) d.journal('ticket.resolved', body, { notify: requesterTokens(body), ...told });
  return { status: 'resolved', signature: state.signature, incident: body };
}

/** The incident with its ticket opened, journaled (with the rule that let it open, when one did). */
export function openTicket(incident: IncidentBody, d: Decisions, rule?: RuleRef): IncidentBody {
  const opened = { ...incident, ticketed: true };
  d.journal('ticket.opened', opened, { priority: opened.priority, title: opened.title }, rule ? { rule } : {});
  return opened;
}

/**
 * Attributes derived from the whole incident — priority, queue, escalation timer — recomputed after
 * every message in one place, so that no transition can forget them. Changes are journaled with the
 * rule that made them; a ticket that already exists is told (one ticket.updated, however many changed).
 */
export function reassess(transition: Transition, context: Context): Transition {
  const { state } = transition;
  if (state.status === 'none' || state.status === 'merged') return transition;
  const now = context.nowIso;
  const d = new Decisions(now, state.incident.correlationId);
  let incident = state.incident;
  const changes: Record<string, unknown> = {};

  const { priority, rule: priorityRule } = priorityOf(incident, context.rules);
  if (priority !== incident.priority || priorityRule.id !== incident.priorityRule.id) {
    d.journal('incident.prioritized', incident, { priority, was: incident.priority }, { rule: priorityRule });
    if (priority !== incident.priority) changes.priority = priority;
    incident = { ...incident, priority, priorityRule: ref(priorityRule) };
  }
  const { queue, rule: routingRule } = routeOf(incident, context.rules, context.now);
  if (queue !== incident.queue || routingRule.id !== incident.routingRule.id) {
    d.journal('incident.routed', incident, { queue, was: incident.queue }, { rule: routingRule });
    if (queue !== incident.queue) Object.assign(changes, { queue, previousQueue: incident.queue });
    incident = { ...incident, queue, routingRule: ref(routingRule) };
  }
  if (Object.keys(changes).length > 0 && incident.ticketed && isActive(state.status)) d.journal('ticket.updated', incident, changes);
  // Its ticket was withheld while a child's stood for it (tick): that ticket closed, the child left,
  // or the cause now goes to another queue, and the cause is still here.
  if (!incident.ticketed && isActive(state.status) && incident.timers.groupWait === undefined && !incident.parent && !incident.suppressed && incident.heldByChild && !childHoldingTicket(incident)) {
    const { heldByChild: _, ...opened } = openTicket(incident, d, incident.window);
    incident = opened;
  }
  if (incident.ticketed && incident.ticketOpenedAt === null) incident = { ...incident, ticketOpenedAt: now, escalationStep: 0 };
  incident = armEscalation(incident, state.status, context.rules);
  const ticketEvent = journalsTicket(transition.effects, incident.id) || journalsTicket(d.effects, incident.id);
  incident = tellChildren(incident, state.status, ticketEvent, d, now, context.rules);

  if (incident === state.incident) return context.rules.oncall.length === 0 ? transition : { ...transition, effects: stampOnCall(transition.effects, incident.queue, context.rules.oncall, context.now) };
  return { ...transition, state: { ...state, incident }, effects: stampOnCall([...transition.effects, ...d.effects], incident.queue, context.rules.oncall, context.now) };
}

/**
 * Children that change after the ticket opened are told together: at most one ticket.updated per
 * the window's updateInterval, at the first message or timer after it runs out, with every child
 * changed since the helpdesk was last told (ticketEventsOf). Any other ticket event carries them
 * too and starts the interval over. With updateInterval 0 each batch's coalesced update tells them.
 * While flapping nothing is told: the changes go out with the ticket event that ends it.
 * A storm of thousands of reports on one incident is then one update per interval, not one per
 * batch: for the helpdesk, and for the outbox, which wrote a row per batch per touched incident.
 */
function tellChildren(incident: IncidentBody, status: LiveStatus, ticketEvent: boolean, d: Decisions, now: string, rules: RuleSet): IncidentBody {
  // Runs after every message: the common outcomes (timer armed and not due, nothing untold) copy nothing.
  const { update } = incident.timers;
  const untold = hasUntold(incident);
  const told = (): IncidentBody => ({ ...incident, timers: withoutUpdate(incident.timers), told: incident.revision ?? 0 });
  if (ticketEvent) return untold || update !== undefined ? told() : incident;
  // A flapping incident's ticket said so once; it hears again when the incident is stable.
  if (!incident.ticketed || (status !== 'open' && status !== 'acknowledged') || !untold) return update === undefined ? incident : { ...incident, timers: withoutUpdate(incident.timers) };
  const interval = windowOf(incident, rules).updateIntervalMs;
  if (interval === 0) return told();
  if (update === undefined) return { ...incident, timers: { ...incident.timers, update: plus(now, interval) } };
  if (update > now) return incident;
  d.journal('ticket.updated', incident, {}, { rule: incident.window });
  return told();
}

function withoutUpdate(timers: IncidentBody['timers']): IncidentBody['timers'] {
  if (timers.update === undefined) return timers;
  const { update: _, ...others } = timers;
  return others;
}

/** Whether these effects journal a ticket event for the incident (no array or closure per message). */
function journalsTicket(effects: Transition['effects'], incidentId: string): boolean {
  for (const effect of effects) if (effect.type === 'journal' && effect.entry.incidentId === incidentId && isTicketType(effect.entry.kind)) return true;
  return false;
}

export function escalationFor(incident: IncidentBody, rules: RuleSet): { rule: EscalationRule; steps: number[] } | undefined {
  const rule = rules.escalation.find((candidate) => candidate.queues.includes(incident.queue) || candidate.queues.includes('*'));
  const steps = rule?.steps[incident.priority];
  return rule && steps && steps.length > 0 ? { rule, steps } : undefined;
}

/** An unacknowledged ticket's next escalation step is a timer; anything else has none. */
function armEscalation(incident: IncidentBody, status: LiveStatus, rules: RuleSet): IncidentBody {
  const escalation = escalationFor(incident, rules);
  const waiting = (status === 'open' || status === 'flapping') && incident.ticketed && incident.ticketOpenedAt !== null;
  const step = escalation?.steps[incident.escalationStep];
  const due = waiting && step !== undefined && incident.ticketOpenedAt !== null ? plus(incident.ticketOpenedAt, step) : undefined;
  if (due === incident.timers.escalate) return incident;
  const { escalate: _, ...timers } = incident.timers;
  return { ...incident, timers: due === undefined ? timers : { ...timers, escalate: due } };
}

/** Timers due by now fire, oldest concern first: the ticket, the end of flapping, auto-resolve. */
export function tick(state: IncidentState, context: Context): Transition {
  if (state.status === 'none') return { state, effects: [] };
  const now = context.nowIso;
  const d = new Decisions(now, state.incident.correlationId);
  const due = (at: string | undefined) => at !== undefined && at <= now;
  let current: IncidentState = state;
  let incident = state.incident;
  const { timers } = incident;

  if (state.status === 'merged') {
    return d.done({ ...state, incident: { ...incident, timers: {} } });
  }
  if (due(timers.groupWait)) {
    const { groupWait: _, ...rest } = incident.timers;
    incident = { ...incident, timers: rest };
    if (isActive(current.status) && !incident.ticketed) {
      if (incident.suppressed) d.journal('ticket.withheld', incident, { reason: 'maintenance' }, { rule: incident.suppressed });
      // A symptom of a cause that already has its ticket (a dependency's, an outage's) is told on
      // that ticket, not paged to another team a second time; it opens its own if it outlives it.
      else if (incident.parent) d.journal('ticket.withheld', incident, { reason: 'parent', parent: incident.parent.incidentId }, { rule: incident.parent.rule });
      // A cause found after its symptom's ticket opened in the queue the cause goes to (the identity
      // provider's own monitor alarms minutes after the failed sign-ins were ticketed): that ticket
      // stands for it, and was told of its cause; a second one would page the same team for the
      // same outage. A symptom ticketed to another team (the lab's, for the ADT feed) does not.
      else if (childHoldingTicket(incident)) {
        d.journal('ticket.withheld', incident, { reason: 'child', child: childHoldingTicket(incident) }, { rule: incident.window });
        incident = { ...incident, heldByChild: true };
      }
      else incident = openTicket(incident, d, incident.window);
    }
    current = { ...current, incident };
  }
  if (due(timers.flapEnd)) {
    const { flapEnd: _, ...rest } = incident.timers;
    incident = { ...incident, timers: rest, flaps: [] };
    if (current.status === 'flapping') {
      d.journal('incident.stable', incident, { reason: 'no change for the flap window' }, { rule: incident.window });
      if (firingChildren(incident) > 0) {
        current = { status: 'open', signature: state.signature, incident };
        if (incident.ticketed) d.journal('ticket.updated', incident, { status: 'open' });
      } else {
        current = resolve(current, incident, d, context, { reason: 'stable and nothing firing' });
      }
    } else current = { ...current, incident };
  }
  if (due(timers.escalate)) {
    const { escalate: _, ...rest } = current.incident.timers;
    incident = { ...current.incident, timers: rest };
    const escalation = escalationFor(incident, context.rules);
    if ((current.status === 'open' || current.status === 'flapping') && escalation) {
      const step = incident.escalationStep + 1;
      d.journal('ticket.escalated', incident, { step, of: escalation.steps.length, priority: incident.priority, queue: incident.queue, after: escalation.steps[step - 1] }, { rule: escalation.rule });
      incident = { ...incident, escalationStep: step };
    }
    current = { ...current, incident };
  }
  if (due(timers.autoResolve)) {
    const { autoResolve: _, ...rest } = current.incident.timers;
    incident = { ...current.incident, timers: rest };
    if (isActive(current.status)) {
      const window = windowOf(incident, context.rules);
      const firing = childrenOf(incident).filter((c) => c.status === 'firing');
      for (const child of firing) d.journal('child.resolved', incident, { reason: 'auto-resolve' }, { childKey: child.key });
      const quiet = putChildren(incident, firing.map((c): Child => ({ ...c, status: 'resolved', changedAt: now })));
      current = resolve(current, quiet, d, context, { reason: 'no activity', after: window.autoResolveAfterMs }, window);
    } else current = { ...current, incident };
  }
  return d.done(current);
}



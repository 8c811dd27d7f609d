import { createHash } from 'node:crypto';
import { Decisions } from './decisions.js';
import type { Command } from './messages.js';
import type { Context, Transition } from './transition.js';
import { childOf, childCount, childrenOf, dropChildren, isActive, putChildren, requesterTokens, type Child, type IncidentState } from './incident.js';
import { resolve } from './lifecycle.js';
import { iso, plus, windowOf } from './windows.js';

/** The signature a split-off group of children gets: derived, so a replay splits the same way. */
export function splitSignature(signature: string, childKeys: string[]): string {
  const hash = createHash('sha256').update([...childKeys].sort().join('\n')).digest('hex').slice(0, 10);
  return `${signature}|split:${hash}`;
}

export function handleCommand(state: IncidentState, command: Command, context: Context): Transition {
  const now = context.nowIso;
  if (state.status === 'none') return { state, effects: [], rejected: `no incident for ${state.signature}` };
  const d = new Decisions(now, state.incident.correlationId, command.requestId === undefined ? undefined : { request: command.requestId });
  const reject = (reason: string): Transition => {
    d.journal('command.rejected', state.incident, { verb: command.verb, by: command.by, reason });
    return d.done(state, reason);
  };
  if (state.status === 'merged') return reject(`incident was merged into ${state.into.incidentId}`);
  const incident = state.incident;
  const note = 'note' in command && command.note ? { note: command.note } : {};
  const origin = 'origin' in command && command.origin ? { origin: command.origin } : {};

  switch (command.verb) {
    case 'acknowledge': {
      if (!isActive(state.status)) return reject(`cannot acknowledge a ${state.status} incident`);
      if (state.status === 'acknowledged') return reject('already acknowledged');
      const next = { ...incident, acknowledged: { by: command.by, at: now } };
      d.journal('incident.acknowledged', next, { by: command.by, ...note });
      if (next.ticketed) d.journal('ticket.updated', next, { status: 'acknowledged' });
      // A flapping incident stays flapping: acknowledging does not make it stable.
      return d.done({ ...state, status: state.status === 'flapping' ? 'flapping' : 'acknowledged', incident: next });
    }
    case 'resolve': {
      if (state.status === 'resolved') return reject('already resolved');
      // Resolving the parent resolves every child; dependent incidents are only re-evaluated.
      const firing = childrenOf(incident).filter((c) => c.status === 'firing');
      for (const child of firing) d.journal('child.resolved', incident, { by: command.by }, { childKey: child.key });
      // A ticket resolved by hand must reach its requesters even if groupWait had not yet run out.
      const body = { ...putChildren(incident, firing.map((c): Child => ({ ...c, status: 'resolved', changedAt: now }))), ticketed: true };
      if (!incident.ticketed) d.journal('ticket.opened', body, { priority: body.priority, title: body.title });
      const change = command.change ? { change: command.change } : {};
      return d.done(resolve(state, body, d, context, { by: command.by, reason: 'command', ...note, ...change, ...origin }));
    }
    case 'reopen': {
      if (state.status !== 'resolved') return reject(`cannot reopen a ${state.status} incident`);
      const window = windowOf(incident, context.rules);
      const resolved = childrenOf(incident).filter((c) => c.status === 'resolved');
      for (const child of resolved) d.journal('child.refired', incident, { by: command.by }, { childKey: child.key });
      // The reopened ticket gets its escalation clock back from zero.
      const next = { ...putChildren(incident, resolved.map((c): Child => ({ ...c, status: 'firing', changedAt: now }))), resolvedAt: null, acknowledged: null, ticketed: true, ticketOpenedAt: now, escalationStep: 0, timers: { autoResolve: plus(now, window.autoResolveAfterMs) } };
      d.journal('incident.reopened', next, { by: command.by, reason: 'command', ...note, ...origin });
      d.journal('ticket.reopened', next, { ...origin });
      return d.done({ status: 'open', signature: state.signature, incident: next });
    }
    case 'merge': {
      if (command.into.signature === state.signature) return reject('cannot merge an incident into itself');
      const into = command.into;
      d.journal('incident.merged', incident, { into: into.incidentId, by: command.by, ...note });
      if (incident.ticketed) d.journal('ticket.merged', incident, { into: into.incidentId, notify: requesterTokens(incident) });
      d.send(into.signature, { type: 'absorb', from: { incidentId: incident.id, signature: state.signature }, children: childrenOf(incident), by: command.by });
      return d.done({ status: 'merged', signature: state.signature, incident: { ...incident, timers: {} }, into });
    }
    case 'split': {
      const keys = command.children.map((id) => (childOf(incident, id) ? id : childrenOf(incident).find((c) => c.id === id)?.key));
      if (keys.some((k) => k === undefined)) return reject('some of those children are not in this incident');
      const moving = keys as string[];
      if (moving.length === 0 || moving.length >= childCount(incident)) return reject('a split must leave at least one child on each side');
      const target = splitSignature(state.signature, moving);
      const forwards = { ...incident.forwards, ...Object.fromEntries(moving.map((k) => [k, target])) };
      const next = { ...dropChildren(incident, moving), forwards };
      d.journal('incident.split', next, { children: moving, to: target, by: command.by, ...note });
      if (next.ticketed) d.journal('ticket.updated', next, { split: moving.length });
      d.send(target, {
        type: 'adopt',
        from: { incidentId: incident.id, signature: state.signature },
        children: moving.map((k) => childOf(incident, k)).filter((c) => c !== undefined),
        title: `${incident.title} (split)`,
        template: incident,
        by: command.by,
      });
      return d.done({ ...state, incident: next });
    }
    case 'confirm-suggestion':
    case 'reject-suggestion': {
      const suggestion = incident.suggestions.find((s) => s.id === command.suggestionId);
      if (!suggestion) return reject(`no suggestion ${command.suggestionId}`);
      const next = { ...incident, suggestions: incident.suggestions.filter((s) => s.id !== suggestion.id) };
      if (command.verb === 'confirm-suggestion') {
        d.journal('suggestion.confirmed', next, { suggestion: suggestion.id, from: suggestion.from.incidentId, by: command.by }, { rule: suggestion.rule });
        d.send(suggestion.from.signature, { type: 'command', command: { verb: 'merge', by: command.by, into: { incidentId: incident.id, signature: state.signature } } });
      } else {
        d.journal('suggestion.rejected', next, { suggestion: suggestion.id, from: suggestion.from.incidentId, by: command.by }, { rule: suggestion.rule });
      }
      return d.done({ ...state, incident: next });
    }
    default:
      throw new Error(`unhandled command ${JSON.stringify(command)}`);
  }
}

/** A command pinned to an episode that has since been replaced: refused without running the actor. */
export function staleEpisodeRefusal(state: IncidentState, command: Command, incidentId: string, reason: string, now: Date): Transition {
  const d = new Decisions(iso(now), state.status === 'none' ? '' : state.incident.correlationId, command.requestId === undefined ? undefined : { request: command.requestId });
  d.journal('command.rejected', { id: incidentId }, { verb: command.verb, by: command.by, reason });
  return d.done(state, reason);
}

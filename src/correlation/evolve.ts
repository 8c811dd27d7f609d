import { assertNever } from './assert-never.js';
import { handleCommand } from './commands.js';
import { foldEvent } from './fold-event.js';
import type { IncidentState } from './incident.js';
import { absorb, adopt, inherit, release, reparent, suggest } from './cross-incident.js';
import { reassess, tick } from './lifecycle.js';
import type { IncidentMessage } from './messages.js';
import type { RuleSet } from './rules.js';
import type { SourceInterner } from './source-interner.js';
import type { Context, JournalEntry, Transition } from './transition.js';

// The dispatcher: one message to its handler, then the reassessment every transition gets. The
// types it deals in are in messages.ts and transition.ts, which the handlers import instead of this.

export function evolve(state: IncidentState, message: IncidentMessage, now: Date, rules: RuleSet, sources?: SourceInterner): Transition {
  const context: Context = { now, nowIso: now.toISOString(), rules, ...(sources ? { sources } : {}) };
  return reassess(dispatch(state, message, context), context);
}

function dispatch(state: IncidentState, message: IncidentMessage, context: Context): Transition {
  switch (message.type) {
    case 'event':
      return foldEvent(state, message.event, message.route ?? {}, context);
    case 'tick':
      return tick(state, context);
    case 'command':
      return handleCommand(state, message.command, context);
    case 'absorb':
      return absorb(state, message, context);
    case 'adopt':
      return adopt(state, message, context);
    case 'reparent':
      return reparent(state, message.parent, context);
    case 'impact':
      return inherit(state, message, context);
    case 'suggest':
      return suggest(state, message.suggestion, context);
    case 'release':
      return release(state, message, context);
    default:
      return assertNever(message);
  }
}

/**
 * True when the transition only counted an exact repeat of an event already folded in: a
 * duplicate to the sender. The update held back by updateInterval may go out with it (a
 * `ticket.updated` with no data of its own); that would have gone out at the next tick anyway and
 * does not make the event news.
 */
export function isRepeat(transition: Transition): boolean {
  return transition.effects.every(
    (effect) => effect.type === 'journal' && (effect.entry.kind === 'child.repeated' || (effect.entry.kind === 'ticket.updated' && isEmpty(effect.entry.data))),
  );
}

function isEmpty(data: Record<string, unknown>): boolean {
  for (const _ in data) return false;
  return true;
}

export function journalEntries(transition: Transition): JournalEntry[] {
  return transition.effects.flatMap((effect) => (effect.type === 'journal' ? [effect.entry] : []));
}

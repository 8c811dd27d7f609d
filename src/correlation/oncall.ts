import type { OnCallRule, Weekday } from './rules.js';
import type { Effect } from './transition.js';

// Who is on call for a queue: a rotation that hands over at a fixed local time, weekly or daily,
// in the team's own zone (daylight saving moves the handover with the wall clock). The ticket
// events that page someone (opened, reopened, escalated) name them in `details.onCall`.

const DAY = 86_400_000;
const DAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** `now` as wall-clock time in `zone`, counted as if that wall clock were UTC. */
function wallClock(now: Date, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(now);
  const n = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
}

/** Who of the rotation holds `queue` at `now`, by the first on-call rule for it; undefined without one. */
export function onCallFor(rules: readonly OnCallRule[], queue: string, now: Date): string | undefined {
  const rule = rules.find((r) => r.queues.includes(queue) || r.queues.includes('*'));
  if (!rule || rule.rotation.length === 0) return undefined;
  const period = rule.handoffDay === undefined ? DAY : 7 * DAY;
  // The first handover on or after the start date, at the handover's local time (and day).
  let first = Date.parse(`${rule.start}T00:00:00Z`) + rule.handoffMinute * 60_000;
  if (rule.handoffDay !== undefined) {
    const weekday = new Date(first).getUTCDay();
    first += ((DAYS.indexOf(rule.handoffDay) - weekday + 7) % 7) * DAY;
  }
  const turns = Math.floor((wallClock(now, rule.zone) - first) / period);
  const n = rule.rotation.length;
  return rule.rotation[((turns % n) + n) % n];
}

const PAGING = new Set(['ticket.opened', 'ticket.reopened', 'ticket.escalated']);

/** The transition's paging ticket events, each naming who is on call for the incident's queue now. */
export function stampOnCall(effects: Effect[], queue: string, rules: readonly OnCallRule[], now: Date): Effect[] {
  if (rules.length === 0 || !effects.some((e) => e.type === 'journal' && PAGING.has(e.entry.kind))) return effects;
  const onCall = onCallFor(rules, queue, now);
  if (onCall === undefined) return effects;
  return effects.map((e) => (e.type === 'journal' && PAGING.has(e.entry.kind) ? { ...e, entry: { ...e.entry, data: { ...e.entry.data, onCall } } } : e));
}

// Scoring a labeled storm: how corral's grouping, routing and tickets compare with what the
// hospital's IT team says really happened. Pure functions over plain rows, so a scenario run in
// memory and one read back from a real database's journal are scored alike.

/** One event of a scenario: where the truth puts it, and where corral put it. */
export interface ScoredEvent {
  /** The real problem it belongs to (a key of the scenario's `incidents`). */
  truth: string;
  /** The queue the truth wants that problem's ticket in. */
  truthQueue: string;
  /** The group corral made of it: the root incident (through dependency parents and merges), or the event's own key when nothing took it. */
  group: string;
  /** The incident that holds it directly (children of a dependency parent keep their own), or null. */
  incident: string | null;
  /** The queue of its group's root incident, or null. */
  queue: string | null;
  /** The incident it first joined, when that is not the one holding it now (it was merged or split away). */
  joined?: string;
}

export interface PairCounts {
  truePositive: number;
  falsePositive: number;
  falseNegative: number;
}

export interface Score extends PairCounts {
  events: number;
  realIncidents: number;
  /** Groups corral made (root incidents, plus events nothing took). */
  groups: number;
  precision: number;
  recall: number;
  f1: number;
  /** Events whose group's queue is the queue the truth wants. */
  routedRight: number;
  routing: number;
  /** `ticket.opened` decisions, in all. */
  ticketsOpened: number;
  /** Real incidents whose events reached exactly one opened ticket. */
  exactlyOneTicket: number;
  /** Real incidents with no ticket, and with more than one, by name. */
  withoutTicket: string[];
  withSeveralTickets: string[];
}

/**
 * Pairwise grouping: every pair of events is either together in the truth, in corral's grouping,
 * both, or neither. Counted from group sizes rather than pairs (n² pairs in a storm of thousands
 * would still be fast, but there is no need).
 */
export function pairCounts(events: readonly Pick<ScoredEvent, 'truth' | 'group'>[]): PairCounts {
  const pairs = (n: number) => (n * (n - 1)) / 2;
  const count = (key: (e: Pick<ScoredEvent, 'truth' | 'group'>) => string) => {
    const sizes = new Map<string, number>();
    for (const e of events) sizes.set(key(e), (sizes.get(key(e)) ?? 0) + 1);
    let total = 0;
    for (const n of sizes.values()) total += pairs(n);
    return total;
  };
  const both = count((e) => `${e.truth}\u0000${e.group}`);
  return { truePositive: both, falsePositive: count((e) => e.group) - both, falseNegative: count((e) => e.truth) - both };
}

/** Precision and recall of no pairs at all are perfect: nothing was grouped wrongly. */
function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 1 : numerator / denominator;
}

export function f1Of({ truePositive, falsePositive, falseNegative }: PairCounts): { precision: number; recall: number; f1: number } {
  const precision = ratio(truePositive, truePositive + falsePositive);
  const recall = ratio(truePositive, truePositive + falseNegative);
  return { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall) };
}

/**
 * One scenario's score. `ticketsOpenedBy` counts each incident's `ticket.opened` decisions; a real
 * incident's tickets are those of every incident that holds or first held one of its events
 * directly, or first held and was merged away from, so a downstream incident that opened its own
 * ticket before it was parented, or a report's that opened before it was merged into the outage,
 * counts as a second one: the helpdesk saw two.
 */
export function scoreScenario(events: readonly ScoredEvent[], ticketsOpenedBy: ReadonlyMap<string, number>): Score {
  const pairs = pairCounts(events);
  const realIncidents = new Set(events.map((e) => e.truth));
  const holders = new Map<string, Set<string>>();
  for (const e of events) {
    const set = holders.get(e.truth) ?? new Set<string>();
    if (e.incident) set.add(e.incident);
    holders.set(e.truth, set);
  }
  // An incident that holds nothing now (merged away) counts for the problems whose events it first
  // held: its ticket was opened for them. One that still holds events keeps its ticket for those.
  const holding = new Set(events.flatMap((e) => (e.incident ? [e.incident] : [])));
  for (const e of events) if (e.joined && !holding.has(e.joined)) holders.get(e.truth)?.add(e.joined);
  const withoutTicket: string[] = [];
  const withSeveralTickets: string[] = [];
  let exactlyOneTicket = 0;
  for (const [truth, incidents] of holders) {
    let tickets = 0;
    for (const id of incidents) tickets += ticketsOpenedBy.get(id) ?? 0;
    if (tickets === 1) exactlyOneTicket++;
    else if (tickets === 0) withoutTicket.push(truth);
    else withSeveralTickets.push(truth);
  }
  let ticketsOpened = 0;
  for (const n of ticketsOpenedBy.values()) ticketsOpened += n;
  const routedRight = events.filter((e) => e.queue === e.truthQueue).length;
  return {
    events: events.length,
    realIncidents: realIncidents.size,
    groups: new Set(events.map((e) => e.group)).size,
    ...pairs,
    ...f1Of(pairs),
    routedRight,
    routing: ratio(routedRight, events.length),
    ticketsOpened,
    exactlyOneTicket,
    withoutTicket: withoutTicket.sort(),
    withSeveralTickets: withSeveralTickets.sort(),
  };
}

/** Several scenarios together: pairs and events summed (pairs never span scenarios). */
export function totalOf(scores: readonly Score[]): Score {
  const sum = (key: keyof Score) => scores.reduce((total, s) => total + (s[key] as number), 0);
  const pairs = { truePositive: sum('truePositive'), falsePositive: sum('falsePositive'), falseNegative: sum('falseNegative') };
  const events = sum('events');
  return {
    events,
    realIncidents: sum('realIncidents'),
    groups: sum('groups'),
    ...pairs,
    ...f1Of(pairs),
    routedRight: sum('routedRight'),
    routing: ratio(sum('routedRight'), events),
    ticketsOpened: sum('ticketsOpened'),
    exactlyOneTicket: sum('exactlyOneTicket'),
    withoutTicket: scores.flatMap((s) => s.withoutTicket),
    withSeveralTickets: scores.flatMap((s) => s.withSeveralTickets),
  };
}

/** The figures a change must not fall below (eval/floor.json), and which of them it did. */
export interface Floor {
  f1?: number;
  precision?: number;
  recall?: number;
  routing?: number;
  /** Share of real incidents with exactly one ticket.opened. */
  exactlyOneTicket?: number;
}

export function belowFloor(total: Score, floor: Floor): string[] {
  const figures: Record<keyof Floor, number> = {
    f1: total.f1,
    precision: total.precision,
    recall: total.recall,
    routing: total.routing,
    exactlyOneTicket: ratio(total.exactlyOneTicket, total.realIncidents),
  };
  const below: string[] = [];
  for (const [name, minimum] of Object.entries(floor) as Array<[keyof Floor, number | undefined]>) {
    if (minimum === undefined || !(name in figures)) continue;
    // Figures are printed to three places; compare at that precision so a floor copied from the table holds.
    if (Math.round(figures[name] * 1000) < Math.round(minimum * 1000)) below.push(`${name} ${figures[name].toFixed(3)} is below its floor ${minimum.toFixed(3)}`);
  }
  return below;
}

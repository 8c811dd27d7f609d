import { Simulation } from '../../../actors/simulation.js';
import { childKeyOf } from '../../../correlation/canonical-event.js';
import type { Input, Outcome } from '../../../correlation/inputs.js';
import type { RuleSet } from '../../../correlation/rules.js';
import { f1Of, pairCounts } from './score.js';

// `corral replay`: recorded inbox history through two rule sets in memory, the rules in force and
// a candidate, and what the candidate would have decided differently: grouping, routing, priority
// and tickets. Nothing is written anywhere.

/** How long after the last input the clock runs on, so every burst's groupWait passes. */
const SETTLE_MS = 10 * 60_000;
const SETTLE_STEP_MS = 15_000;

interface Side {
  simulation: Simulation;
  outcomes: Outcome[];
}

export interface ReplayDifference {
  inputs: number;
  events: number;
  inForce: { incidents: number; ticketsOpened: number };
  candidate: { incidents: number; ticketsOpened: number };
  grouping: {
    /** Pairs of events the candidate puts together that the rules in force keep apart, and the reverse. */
    joined: number;
    split: number;
    together: number;
    /** Pairwise agreement of the two groupings (1: the same). */
    agreement: number;
  };
  /** Events whose incident would be routed elsewhere, by change (`service-desk → integration`), most first. */
  routing: Array<{ from: string; to: string; events: number }>;
  priority: Array<{ from: string; to: string; events: number }>;
}

export class Replay {
  private readonly inForce: Side;
  private readonly candidate: Side;
  private readonly keys: string[] = [];
  private last = 0;

  constructor(inForce: RuleSet, candidate: RuleSet) {
    this.inForce = { simulation: new Simulation(inForce), outcomes: [] };
    this.candidate = { simulation: new Simulation(candidate), outcomes: [] };
  }

  /** One recorded input, at the time it arrived. */
  async feed(input: Input, at: Date): Promise<void> {
    if (input.type !== 'event' && input.type !== 'resolve') return;
    for (const side of [this.inForce, this.candidate]) {
      await side.simulation.tick(at);
      side.outcomes.push(await side.simulation.send(input, at));
    }
    this.keys.push(childKeyOf(input.type === 'event' ? input.event : input));
    this.last = Math.max(this.last, at.getTime());
  }

  /** How many events have been fed. */
  get events(): number {
    return this.keys.length;
  }

  /** Runs the clock on past every burst's groupWait, then tells the difference: the end of a replay. */
  async finish(): Promise<ReplayDifference> {
    for (let after = SETTLE_STEP_MS; after <= SETTLE_MS; after += SETTLE_STEP_MS) {
      for (const side of [this.inForce, this.candidate]) await side.simulation.tick(new Date(this.last + after));
    }
    return this.difference();
  }

  /** The difference so far, changing nothing (a shadow asks while it runs; tickets still in their groupWait are not counted yet). */
  difference(): ReplayDifference {
    const place = (side: Side) =>
      this.keys.map((key, n) => {
        const { root } = side.simulation.placeOf(key, side.outcomes[n]?.incidentId ?? null);
        const incident = root ? side.simulation.incidents.get(root)?.incident : undefined;
        return { group: root ?? `none:${n}`, queue: incident?.queue ?? '(none)', priority: incident?.priority ?? '(none)' };
      });
    const before = place(this.inForce);
    const after = place(this.candidate);
    const pairs = pairCounts(before.map((b, n) => ({ truth: b.group, group: after[n]?.group ?? '' })));
    const changes = (field: 'queue' | 'priority') => {
      const tally = new Map<string, number>();
      before.forEach((b, n) => {
        const a = after[n];
        if (a && a[field] !== b[field]) tally.set(`${b[field]}\u0000${a[field]}`, (tally.get(`${b[field]}\u0000${a[field]}`) ?? 0) + 1);
      });
      return [...tally].map(([key, events]) => ({ from: key.split('\u0000')[0] ?? '', to: key.split('\u0000')[1] ?? '', events })).sort((x, y) => y.events - x.events || x.from.localeCompare(y.from));
    };
    const summary = (side: Side) => ({ incidents: side.simulation.incidents.size, ticketsOpened: [...side.simulation.ticketsOpened().values()].reduce((a, b) => a + b, 0) });
    return {
      inputs: this.inForce.outcomes.length,
      events: this.keys.length,
      inForce: summary(this.inForce),
      candidate: summary(this.candidate),
      grouping: { joined: pairs.falsePositive, split: pairs.falseNegative, together: pairs.truePositive, agreement: f1Of(pairs).f1 },
      routing: changes('queue'),
      priority: changes('priority'),
    };
  }
}

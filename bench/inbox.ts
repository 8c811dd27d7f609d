/**
 * How far corral's correlation has got, read from its /metrics (docs/architecture.md, the inbox):
 * a 202 means "durable in the inbox", and correlation follows in inbox order. A phase that times
 * only the 202s would measure the append; these gauges tell when the correlator has caught up with
 * what was accepted. A build without the inbox has no such gauges: it answers 202 after
 * correlating, so there the accepted time is the correlated time and the phase says "n/a".
 */
export interface InboxState {
  appended: number;
  correlated: number;
  pending: number;
}

export interface Correlation {
  /** False when corral exposes no inbox gauges (a build that answers 202 after correlation). */
  measured: boolean;
  /** False when correlation had not caught up when the wait ran out. */
  caughtUp: boolean;
  /** From the phase's first send until correlation had caught up with everything accepted. */
  seconds: number;
  /** From the phase's last answer (202 or ack) until correlation had caught up. */
  afterLastAnswerSeconds: number;
  /** Accepted events divided by `seconds`. */
  perSecond: number;
}

const GAUGES = {
  appended: 'corral_inbox_appended_position',
  correlated: 'corral_inbox_correlated_position',
  pending: 'corral_inbox_pending_events',
} as const;

/** One sample's value from the Prometheus text format, labels ignored (these gauges have none). */
function sample(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

export class InboxGauges {
  constructor(
    private readonly baseUrl: string,
    /** /metrics takes an ingest key (Prometheus holds one already). */
    private readonly authorization: string,
  ) {}

  async read(): Promise<InboxState | undefined> {
    const reply = await fetch(`${this.baseUrl}/metrics`, { headers: { authorization: this.authorization } });
    if (!reply.ok) throw new Error(`GET /metrics answered ${reply.status}`);
    const text = await reply.text();
    const appended = sample(text, GAUGES.appended);
    const correlated = sample(text, GAUGES.correlated);
    const pending = sample(text, GAUGES.pending);
    if (appended === undefined || correlated === undefined || pending === undefined) return undefined;
    return { appended, correlated, pending };
  }
}

/**
 * Waits until correlation has caught up with what was accepted by `answeredAt` (performance.now()
 * of the phase's last answer): the appended position read now, after that answer, is the target;
 * caught up is "nothing pending and the correlated position at or past the target". Polled every
 * 50 ms: often enough for the figure's resolution, rarely enough that the scrapes cost corral
 * nothing worth counting.
 */
export async function awaitCorrelated(
  gauges: InboxGauges,
  phase: {
    startedAt: number;
    answeredAt: number;
    events: number;
    /**
     * The appended position read before the phase. When it has not moved although events were
     * answered, they did not pass through the inbox (a path that answers or acks after correlating):
     * "not measured", as without gauges, rather than "caught up at once".
     */
    appendedBefore: number | undefined;
    timeoutMs?: number;
  },
): Promise<Correlation> {
  const { startedAt, answeredAt, events, appendedBefore, timeoutMs = 300_000 } = phase;
  const finish = (at: number, measured: boolean, caughtUp: boolean): Correlation => {
    const seconds = (at - startedAt) / 1000;
    return { measured, caughtUp, seconds, afterLastAnswerSeconds: Math.max(0, (at - answeredAt) / 1000), perSecond: events / seconds };
  };
  let state = await gauges.read();
  if (state === undefined || (events > 0 && state.appended === appendedBefore)) return finish(answeredAt, false, true);
  const target = state.appended;
  const deadline = performance.now() + timeoutMs;
  while (!(state.pending === 0 && state.correlated >= target)) {
    if (performance.now() > deadline) return finish(performance.now(), true, false);
    await new Promise((r) => setTimeout(r, 50));
    state = (await gauges.read()) ?? state;
  }
  return finish(performance.now(), true, true);
}

import { Simulation } from '../../../actors/simulation.js';
import { childKeyOf } from '../../../correlation/canonical-event.js';
import type { Input, Outcome } from '../../../correlation/inputs.js';
import { withFacilityTokens } from '../../../correlation/names.js';
import { codeToken } from '../../../correlation/privacy.js';
import type { RuleSet } from '../../../correlation/rules.js';
import { checkCanonical, checkNative } from '../../ingest/intake-prep.js';
import type { Scenario } from './scenario.js';
import { scoreScenario, type Score, type ScoredEvent } from './score.js';

// A scenario through what corral really runs, in memory: each item through its source's adapter
// and the privacy filter and admission (the same pure functions HTTP and NATS intake call), then
// the correlator with the rules under test, at the item's time. Only the inbox, the database and
// the bus are left out; they decide nothing.

/** Requesters become tokens under a key; any fixed key keeps the same person the same token. */
const EVAL_TOKEN_KEY = 'corral-eval-token-key-not-a-secret-0000';

/** How long after the last item the clock runs on, so every burst's groupWait passes and its ticket opens. */
const SETTLE_MS = 10 * 60_000;
const SETTLE_STEP_MS = 15_000;

export interface IncidentSummary {
  id: string;
  signature: string;
  system: string;
  facilities: string[];
  queue: string;
  /** The routing and priority rules that decided its queue and priority. */
  routingRule: string;
  priorityRule: string;
  status: string;
  parent: string | null;
  ticketsOpened: number;
  /** The real incidents its events belong to, with how many of each. */
  truth: Record<string, number>;
}

export interface ScenarioResult {
  scenario: Scenario;
  score: Score;
  events: ScoredEvent[];
  incidents: IncidentSummary[];
  /** Items the adapters or admission refused (a broken scenario, or a regression in intake). */
  refused: string[];
}

export async function runScenario(scenario: Scenario, rules: RuleSet): Promise<ScenarioResult> {
  const simulation = new Simulation(withFacilityTokens(rules, (value) => codeToken(EVAL_TOKEN_KEY, value)));
  const units: Array<{ truth: string; childKey: string; outcome: Outcome }> = [];
  const refused: string[] = [];
  const send = async (input: Input, truth: string, childKey: string, now: Date) => units.push({ truth, childKey, outcome: await simulation.send(input, now) });
  for (const [index, item] of scenario.items.entries()) {
    const now = new Date(scenario.start + item.atMs);
    await simulation.tick(now);
    const context = { tokenKey: EVAL_TOKEN_KEY, correlationId: `eval-${index}`, receivedAt: now.toISOString() };
    const where = `${scenario.file}: items[${index}]`;
    if (item.source === 'canonical') {
      const checked = checkCanonical(item.body, context);
      refused.push(...checked.rejected.map((r) => `${where} (event ${r.index}): ${r.reason}`));
      for (const event of checked.events) await send({ type: 'event', event }, item.incident, childKeyOf(event), now);
      continue;
    }
    const checked = checkNative(item.source, item.body, context);
    if (!checked.ok) {
      refused.push(`${where}: ${checked.reason}`);
      continue;
    }
    for (const event of checked.normalized.events) await send({ type: 'event', event }, item.incident, childKeyOf(event), now);
    for (const resolve of checked.normalized.resolves) await send(resolve, item.incident, childKeyOf(resolve), now);
  }
  const end = scenario.start + (scenario.items.at(-1)?.atMs ?? 0);
  for (let after = SETTLE_STEP_MS; after <= SETTLE_MS; after += SETTLE_STEP_MS) await simulation.tick(new Date(end + after));

  const ticketsOpenedBy = simulation.ticketsOpened();
  const events: ScoredEvent[] = units.map(({ truth, childKey, outcome }, n) => {
    const { incident, root } = simulation.placeOf(childKey, outcome.incidentId);
    return {
      truth,
      truthQueue: scenario.incidents.get(truth)?.queue ?? '',
      // An input nothing took (a resolve of a child no incident holds) is a group of its own.
      group: root ?? `unassigned:${n}`,
      incident,
      queue: root ? (simulation.incidents.get(root)?.incident.queue ?? null) : null,
      ...(outcome.incidentId && outcome.incidentId !== incident ? { joined: outcome.incidentId } : {}),
    };
  });
  const incidents: IncidentSummary[] = [...simulation.incidents].map(([id, { status, incident }]) => {
    const truth: Record<string, number> = {};
    for (const e of events) if (e.incident === id) truth[e.truth] = (truth[e.truth] ?? 0) + 1;
    return { id, signature: incident.signature, system: incident.system, facilities: incident.facilities, queue: incident.queue, routingRule: incident.routingRule.id, priorityRule: incident.priorityRule.id, status, parent: status === 'merged' ? simulation.rootOf(id) : (incident.parent?.incidentId ?? null), ticketsOpened: ticketsOpenedBy.get(id) ?? 0, truth };
  });
  return { scenario, score: scoreScenario(events, ticketsOpenedBy), events, incidents, refused };
}

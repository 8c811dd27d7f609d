import { AuditTrail } from '../modules/audit/audit-trail.js';
import { loadConfig } from '../modules/config/corral-config.js';
import { DeliveriesRepository } from '../modules/helpdesk/deliveries.repository.js';
import type { CommonOptions } from './common-options.js';
import { openDatabase } from './open-database.js';
import { cliActor } from './operator.js';
import { printJson, printResult } from './progress.js';

export interface LaneOptions extends CommonOptions {
  destination?: string;
  incident?: string;
}

type Work<T> = (deliveries: DeliveriesRepository, audit: (action: string, detail: Record<string, unknown>, type: 'query' | 'activity', target?: string) => Promise<void>) => Promise<T>;

/**
 * The operator's side of the outbox's blocked lanes, without the server: the same repository and
 * the same audit actions as GET /v1/deliveries/blocked and POST /v1/deliveries/retry|skip.
 */
async function withDeliveries<T>(actor: string, work: Work<T>): Promise<T> {
  // A ConfigError reaches the operator as it is, through corral.ts.
  const config = loadConfig();
  const db = await openDatabase(config);
  const trail = new AuditTrail(db.dataSource, config.chain.keys);
  try {
    return await work(new DeliveriesRepository(db.dataSource), (action, detail, type, target) =>
      trail.record({ actor, actorKind: 'cli', action, target: target ?? null, outcome: 0, correlationId: `cli-${Date.now()}`, detail: { type, ...detail } }),
    );
  } finally {
    await db.close();
  }
}

/** `corral deliveries blocked`: lanes (destination × incident) held by a dead delivery. */
export async function blocked(options: CommonOptions): Promise<number> {
  const lanes = await withDeliveries(cliActor(options.as), async (deliveries, audit) => {
    const rows = await deliveries.blockedLanes();
    await audit('deliveries.read', {}, 'query');
    return rows.map((r) => ({ destination: r.destination, incidentId: r.incident_id, eventKey: r.event_key, type: r.type, attempts: r.attempts, lastError: r.last_error, waiting: r.waiting }));
  });
  if (options.json) await printJson(lanes);
  else if (lanes.length === 0) await printResult('no blocked lanes: every destination is delivering');
  else {
    const lines = lanes.map((l) => `${l.destination}  incident ${l.incidentId}  ${l.type} after ${l.attempts} attempt(s): ${l.lastError ?? '(no error recorded)'} — ${l.waiting} waiting behind it`);
    await printResult([...lines, '', 'Fix the destination, then "corral deliveries retry", or give up on a lane with "corral deliveries skip --destination D --incident ID".'].join('\n'));
  }
  return 0;
}

/** `corral deliveries retry`: dead deliveries back to pending at once, nothing lost. */
export async function retry(options: LaneOptions): Promise<number> {
  const requeued = await withDeliveries(cliActor(options.as), async (deliveries, audit) => {
    const count = await deliveries.requeueDead(options.destination, options.incident);
    await audit('deliveries.retry', { destination: options.destination ?? null, incidentId: options.incident ?? null, requeued: count }, 'activity', options.incident);
    return count;
  });
  if (options.json) await printJson({ requeued });
  else await printResult(`requeued ${requeued} dead deliver${requeued === 1 ? 'y' : 'ies'}`);
  return 0;
}

/** `corral deliveries skip`: a lane's dead deliveries kept as skipped, so the events behind them go out. */
export async function skip(options: LaneOptions & { destination: string; incident: string }): Promise<number> {
  const skipped = await withDeliveries(cliActor(options.as), async (deliveries, audit) => {
    const count = await deliveries.skipDead(options.destination, options.incident);
    await audit('deliveries.skip', { destination: options.destination, incidentId: options.incident, skipped: count }, 'activity', options.incident);
    return count;
  });
  if (options.json) await printJson({ skipped });
  else await printResult(`skipped ${skipped} dead deliver${skipped === 1 ? 'y' : 'ies'}; the events behind them go out now`);
  return 0;
}

import type { INestApplication } from '@nestjs/common';
import { MetricsService } from './modules/metrics/metrics.service.js';

/** What a stop that ran out of time leaves behind, in words for the log. */
export interface Unfinished {
  uncommittedInputs: number | undefined;
}

/**
 * Closes the app, but gives up after `deadlineMs`: a stop that waits on a broker that is gone
 * (a JetStream drain or ack that never completes) would otherwise wait until the orchestrator's
 * SIGKILL and say nothing. The batcher keeps committing while the close runs, so whatever can be
 * committed before the deadline is; resolves undefined when the close finished in time.
 */
export async function closeWithin(app: INestApplication, deadlineMs: number): Promise<Unfinished | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), deadlineMs);
  });
  const outcome = await Promise.race([app.close().then(() => 'closed' as const), late]);
  clearTimeout(timer);
  if (outcome === 'closed') return undefined;
  return { uncommittedInputs: await mailboxDepth(app) };
}

/** Inputs taken but not yet committed, as /metrics reports them (in memory; read with a short timeout all the same). */
async function mailboxDepth(app: INestApplication): Promise<number | undefined> {
  try {
    const gauge = app.get(MetricsService, { strict: false }).registry.getSingleMetric('corral_mailbox_depth');
    const reading = gauge ? await Promise.race([gauge.get(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 500).unref())]) : undefined;
    return reading?.values[0]?.value;
  } catch {
    return undefined;
  }
}

export function describeUnfinished(left: Unfinished, deadlineMs: number): string {
  const inputs = left.uncommittedInputs === undefined ? 'an unknown number of inputs' : `${left.uncommittedInputs} input(s)`;
  return (
    `shutdown deadline of ${deadlineMs} ms passed; exiting with what was committed. Left: ${inputs} not committed — ` +
    `JetStream messages among them were not acked and are redelivered (after NATS_ACK_WAIT_MS) to the next corral; ` +
    `an HTTP sender that got no 202 sends again. Helpdesk deliveries not yet sent stay in the outbox and go out after the restart.`
  );
}

import { ManualClock } from '../../src/actors/clock.js';
import { OutboxRelay } from '../../src/modules/helpdesk/outbox-relay.js';
import { Timekeeper } from '../../src/modules/runtime/timekeeper.js';
import { createTestDatabase, eventually, startCorral, TestNats, type RunningCorral, type TestDatabase } from './harness.js';

// corral on a manual clock with its relay and timers driven by the test, for the helpdesk suites:
// a test moves the clock, fires what is due, and drains the outbox when it chooses.

export const T0 = new Date('2026-11-24T07:00:00.000Z');
export const minutes = (n: number): Date => new Date(T0.getTime() + n * 60_000);

export interface ClockedCorral {
  db: TestDatabase;
  nats: TestNats;
  corral: RunningCorral;
  clock: ManualClock;
  relay: OutboxRelay;
  timekeeper: Timekeeper;
}

/** Its own database and NATS namespace; the relay and the timers run only when the test says. */
export async function startClockedCorral(env: Record<string, string>): Promise<ClockedCorral> {
  const db = await createTestDatabase();
  const nats = await TestNats.open();
  const clock = new ManualClock(T0);
  const corral = await startCorral({ DATABASE_URL: db.url, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace, RELAY_POLL_MS: '60000', TIMER_POLL_MS: '60000', ...env }, { clock });
  return { db, nats, corral, clock, relay: corral.app.get(OutboxRelay), timekeeper: corral.app.get(Timekeeper) };
}

export async function stopClockedCorral(h: ClockedCorral | undefined): Promise<void> {
  await h?.corral.close();
  await h?.nats.close();
  await h?.db.drop();
}

/** Moves the clock to `minute` after T0 and fires the timers then due. */
export async function clockAt(h: ClockedCorral, minute: number): Promise<void> {
  h.clock.set(minutes(minute));
  await h.timekeeper.poll();
}

/** Lets the relay deliver until nothing is pending (a dead delivery is not pending). */
export async function drainOutbox(h: ClockedCorral, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      await h.relay.pass();
      return h.relay.depth();
    },
    (depth) => depth === 0,
    timeoutMs,
  );
}

import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ActorRegistry } from '../../actors/actor-registry.js';
import { Batcher } from '../../actors/batcher.js';
import type { Clock } from '../../actors/clock.js';
import { CorralConfig } from '../config/corral-config.js';
import type { PartitionOwnership } from '../cluster/partition-ownership.js';
import { OWNERSHIP } from '../cluster/tokens.js';
import { PgActorStore } from '../persistence/pg-actor-store.js';
import { CLOCK } from './tokens.js';

/**
 * Fires durable timers and passivates idle actors. Due timers are read from the snapshots, not from
 * memory, so a timer fires even if its actor was passivated or the process restarted; firing is a
 * `tick` message through the batcher like any other, so it is committed and journaled the same way.
 */
@Injectable()
export class Timekeeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Timekeeper');
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private readonly inFlight = new Set<string>();
  private lastPrune = 0;

  constructor(
    private readonly store: PgActorStore,
    private readonly batcher: Batcher,
    private readonly registry: ActorRegistry,
    private readonly config: CorralConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    /** Several instances: only the timers of owned partitions fire here. */
    @Inject(OWNERSHIP) private readonly ownership: PartitionOwnership | null = null,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => (this.polling = undefined));
    }, this.config.actors.timerPollMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  /**
   * Receipts only need to outlive the longest a message can wait in the stream to be redelivered
   * (CORRAL_IN keeps 7 days); pruning hourly keeps the table small.
   */
  private async pruneReceipts(): Promise<void> {
    const now = this.clock.now().getTime();
    if (now - this.lastPrune < 3_600_000) return;
    this.lastPrune = now;
    await this.store.pruneReceipts(new Date(now - 8 * 86_400_000));
  }

  /** One pass: fire what is due, then let idle actors go. Exposed for tests that drive a manual clock. */
  async poll(): Promise<void> {
    try {
      const { ownership } = this;
      const only = ownership && !ownership.ownsAll() ? { count: ownership.partitions, partitions: ownership.owned() } : undefined;
      const due = only?.partitions.length === 0 ? [] : (await this.store.due(this.clock.now(), 500, only)).filter((signature) => !this.inFlight.has(signature));
      for (const signature of due) this.inFlight.add(signature);
      await Promise.all(
        due.map((signature) =>
          this.batcher
            .submit([{ type: 'tick', signature }])
            .catch((error: unknown) => this.logger.warn(`timer for ${signature} will be retried: ${String(error)}`))
            .finally(() => this.inFlight.delete(signature)),
        ),
      );
      this.registry.sweep();
      await this.pruneReceipts();
    } catch (error) {
      this.logger.warn(`timer poll failed, will retry: ${String(error)}`);
    }
  }
}

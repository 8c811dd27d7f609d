import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import { DataSource } from 'typeorm';
import { ActorRegistry } from '../../actors/actor-registry.js';
import { Batcher } from '../../actors/batcher.js';
import { Correlator } from '../../correlation/correlator.js';
import { MESSAGE_BUS, type MessageBus } from '../bus/message-bus.js';
import { JetStreamBus } from '../bus/jetstream-bus.js';
import { CorralConfig } from '../config/corral-config.js';
import { PgActorStore } from '../persistence/pg-actor-store.js';
import { planAssignment } from './assignment.js';
import type { ClusterConfig } from './cluster-config.js';
import type { SigMessage } from './cluster-router.js';
import { ForwardRelay } from './forward-relay.js';
import { LeaseTable, toView } from './lease-table.js';
import type { PartitionOwnership } from './partition-ownership.js';
import { PartitionConsumer, PartitionStreams } from './partition-streams.js';
import { CLUSTER_CONFIG, OWNERSHIP } from './tokens.js';

const decoder = new TextDecoder();

/** A loop that never overlaps itself: a tick that is still running when the next is due is skipped. */
class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  constructor(
    private readonly work: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}
  start(everyMs: number): void {
    this.timer = setInterval(() => void this.now(), everyMs);
  }
  now(): Promise<void> {
    this.running ??= this.work()
      .catch(this.onError)
      .finally(() => (this.running = undefined));
    return this.running;
  }
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}

/**
 * Several instances (CORRAL_CLUSTER=on): keeps this instance's leases renewed, moves towards a
 * balanced assignment (claim what is free or expired, hand off what is above quota), pulls the
 * partitions it owns, keeps the routing index current with what other instances' actors became,
 * sends on forwarded deliveries, and on SIGTERM hands everything off before the process exits.
 * With the cluster off it does nothing.
 */
@Injectable()
export class ClusterService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Cluster');
  readonly leases: LeaseTable | undefined;
  readonly streams: PartitionStreams | undefined;
  readonly forwards: ForwardRelay;
  private readonly consumers = new Map<number, PartitionConsumer>();
  private readonly stopping = new Map<number, Promise<void>>();
  private readonly renewer = new Ticker(() => this.renew(), (e) => this.logger.warn(`lease renewal failed: ${String(e)}`));
  private readonly balancer = new Ticker(() => this.balance(), (e) => this.logger.warn(`rebalance failed: ${String(e)}`));
  private readonly refresher = new Ticker(() => this.refreshIndex(), (e) => this.logger.warn(`index refresh failed: ${String(e)}`));
  private readonly forwarder = new Ticker(() => this.forwards.pass().then(() => undefined), (e) => this.logger.warn(`forward relay failed: ${String(e)}`));
  private indexSince = new Date(0);
  private readonly handling = new Set<string>();
  private shuttingDown = false;

  constructor(
    db: DataSource,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    private readonly batcher: Batcher,
    private readonly registry: ActorRegistry,
    private readonly correlator: Correlator,
    private readonly store: PgActorStore,
    private readonly corral: CorralConfig,
    @Inject(OWNERSHIP) readonly ownership: PartitionOwnership | null,
    @Inject(CLUSTER_CONFIG) readonly config: ClusterConfig,
  ) {
    this.forwards = new ForwardRelay(db, bus);
    if (ownership) {
      if (!(bus instanceof JetStreamBus)) throw new Error('CORRAL_CLUSTER=on needs JetStream (NATS_URL)');
      this.leases = new LeaseTable(db, config.instanceId, config.leaseMs);
      const { js, jsm } = bus.jetstream;
      this.streams = new PartitionStreams(js, jsm, bus.subjects, config.partitions, config.ackWaitMs);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.ownership || !this.leases || !this.streams) return;
    await this.leases.ensure(this.config.partitions);
    await this.streams.ensureTopology();
    // The routing index was loaded from every snapshot at start-up; refresh from now on.
    this.indexSince = new Date(Date.now() - 5_000);
    await this.renewer.now();
    await this.balancer.now();
    const third = Math.max(200, Math.floor(this.config.leaseMs / 3));
    this.renewer.start(third);
    this.balancer.start(third);
    this.refresher.start(this.config.indexRefreshMs);
    this.forwarder.start(this.config.forwardPollMs);
    this.logger.log(`instance ${this.config.instanceId}: ${this.ownership.owned().length} of ${this.config.partitions} partitions`);
  }

  /** Graceful handoff: stop pulling, let what was taken commit, give every lease back, leave. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.ownership || !this.leases) return;
    this.shuttingDown = true;
    await this.balancer.stop();
    await this.handOff(this.ownership.held());
    await this.renewer.stop();
    await this.refresher.stop();
    await this.forwarder.stop();
    // Forwards decided while handing off: send them now rather than leave them to the others' relays.
    await this.forwards.pass().catch(() => 0);
    await this.leases.leave().catch(() => undefined);
    this.logger.log('handed off every partition');
  }

  private async renew(): Promise<void> {
    const ownership = this.ownership as PartitionOwnership;
    const leases = this.leases as LeaseTable;
    const startedAt = performance.now();
    const before = ownership.held();
    await leases.heartbeat();
    const renewed = await leases.renew();
    const lost = [...before].filter(([p, epoch]) => renewed.get(p) !== epoch).map(([p]) => p);
    if (lost.length > 0) {
      // Another instance holds them now (or may at any moment): stop at once, nothing to hand off.
      this.logger.warn(`lost partitions ${lost.join(', ')} (lease expired); stopping them`);
      ownership.remove(lost);
      this.registry.evictWhere((s) => lost.includes(ownership.partitionOf(s)));
      for (const p of lost) void this.stopConsumer(p);
    }
    ownership.renewed(startedAt, this.config.leaseMs);
  }

  private async balance(): Promise<void> {
    if (this.shuttingDown) return;
    const ownership = this.ownership as PartitionOwnership;
    const leases = this.leases as LeaseTable;
    if (!ownership.valid) return;
    const [rows, instances] = await Promise.all([leases.leases(), leases.instances()]);
    const plan = planAssignment(
      this.config.instanceId,
      instances.filter((i) => i.live).map((i) => i.id),
      toView(rows),
    );
    if (plan.release.length > 0) {
      const held = ownership.held();
      await this.handOff(new Map(plan.release.flatMap((p) => (held.has(p) ? [[p, held.get(p) as number] as const] : []))));
    }
    if (plan.claim.length > 0) {
      const claimed = await leases.claim(plan.claim);
      for (const [p, epoch] of claimed) {
        // Actors of this partition held from an earlier ownership are stale: the last owner wrote since.
        this.registry.evictWhere((s) => ownership.partitionOf(s) === p);
        ownership.add(p, epoch);
        await this.startConsumer(p);
      }
      if (claimed.size > 0) this.logger.log(`claimed partitions ${[...claimed.keys()].join(', ')}; ${ownership.owned().length} held`);
    }
  }

  private async handOff(leases: Map<number, number>): Promise<void> {
    if (leases.size === 0) return;
    const ownership = this.ownership as PartitionOwnership;
    const partitions = [...leases.keys()];
    ownership.beginRelease(partitions);
    await Promise.all(partitions.map((p) => this.stopConsumer(p)));
    // A barrier: an empty submission commits after every batch already taken (strict commit order).
    await this.batcher.submit([]).catch(() => undefined);
    ownership.remove(partitions);
    this.registry.evictWhere((s) => partitions.includes(ownership.partitionOf(s)));
    await (this.leases as LeaseTable).release(leases);
    this.logger.log(`handed off partitions ${partitions.join(', ')}`);
  }

  private async startConsumer(p: number): Promise<void> {
    await this.stopping.get(p);
    if (this.consumers.has(p)) return;
    const consumer = new PartitionConsumer(
      p,
      await (this.streams as PartitionStreams).consumer(p),
      (message) => this.handle(message),
      () => this.batcher.capacity(),
      (error) => this.logger.warn(`partition ${p}: pull failed, retrying: ${String(error)}`),
    );
    this.consumers.set(p, consumer);
    consumer.start();
  }

  private stopConsumer(p: number): Promise<void> {
    const consumer = this.consumers.get(p);
    if (!consumer) return this.stopping.get(p) ?? Promise.resolve();
    this.consumers.delete(p);
    const stopped = consumer.stop().finally(() => this.stopping.delete(p));
    this.stopping.set(p, stopped);
    return stopped;
  }

  /** One message of an owned partition: committed with its receipt, acked after COMMIT, like corral.in. */
  private async handle(message: JsMsg): Promise<void> {
    const receipt = `${message.info.stream}:${message.seq}`;
    // Its ack wait ran out while it waited here: the delivery still being handled will settle it.
    if (this.handling.has(receipt)) return;
    this.handling.add(receipt);
    try {
      await this.handleOnce(message, receipt);
    } finally {
      this.handling.delete(receipt);
    }
  }

  private async handleOnce(message: JsMsg, receipt: string): Promise<void> {
    let sig: SigMessage;
    try {
      sig = JSON.parse(decoder.decode(message.data)) as SigMessage;
    } catch (error) {
      // Only corral publishes here; an unreadable message is a bug, not input to retry forever.
      this.logger.error(`unreadable message ${receipt} on ${message.subject} dropped: ${String(error)}`);
      message.term();
      return;
    }
    const origin = sig.origin ? [sig.origin] : [];
    // Committed by an earlier delivery, or (origin) applied on another path: acked without effects.
    if (message.redelivered && (await this.store.committedOf([receipt, ...origin]).catch(() => [])).length > 0) {
      message.ack();
      return;
    }
    try {
      await Batcher.receipt.run(receipt, () => this.batcher.submit([sig.input], origin));
      message.ack();
    } catch (error) {
      this.logger.warn(`${receipt}: not committed (${error instanceof Error ? error.message : String(error)}); redelivery`);
      message.nak(this.corral.nats.retryDelayMs);
    }
  }

  /**
   * The routing index is cluster-wide by reading back: every few hundred ms, the snapshots other
   * instances wrote since the last look (with a 2 s overlap, since a transaction may commit after
   * one that started later). Entries of partitions owned here are kept by the local actors.
   */
  private async refreshIndex(): Promise<void> {
    const ownership = this.ownership as PartitionOwnership;
    const since = new Date(this.indexSince.getTime() - 2_000);
    const { states, until } = await this.store.changedSince(since, this.config.partitions, ownership.owned());
    for (const state of states) if (!ownership.isLocal(state.signature)) this.correlator.index.apply(state);
    if (until > this.indexSince) this.indexSince = until;
  }
}

import type { Clock } from '../../actors/clock.js';
import { CLOCK } from '../runtime/tokens.js';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { JsMsg } from '@nats-io/jetstream';
import { DataSource } from 'typeorm';
import { ActorRegistry } from '../../actors/actor-registry.js';
import { Batcher, DuplicateInputError } from '../../actors/batcher.js';
import { Correlator } from '../../actors/correlator.js';
import { MESSAGE_BUS, type MessageBus } from '../bus/message-bus.js';
import { JetStreamBus } from '../bus/jetstream-bus.js';
import { CorralConfig } from '../config/corral-config.js';
import { PgActorStore } from '../persistence/pg-actor-store.js';
import { planAssignment } from './assignment.js';
import type { ClusterConfig } from './cluster-config.js';
import { ClusterForwardRepository } from './cluster-forward.repository.js';
import type { SigMessage } from './cluster-router.js';
import { ForwardRelay } from './forward-relay.js';
import { LeaseRenewer, type RenewerReport } from './lease-renewer.js';
import { LeaseTable, toView } from './lease.repository.js';
import type { PartitionOwnership } from './partition-ownership.js';
import { PartitionConsumer, PartitionStreams } from './partition-streams.js';
import { CLUSTER_CONFIG, OWNERSHIP } from './tokens.js';

const decoder = new TextDecoder();
/** Renewals stop when the main thread has not run for this many lease periods (stuck, not slow). */
const MAX_STALL_LEASES = 5;

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
  private readonly renewer: LeaseRenewer | undefined;
  readonly streams: PartitionStreams | undefined;
  readonly forwards: ForwardRelay;
  private readonly consumers = new Map<number, PartitionConsumer>();
  private readonly stopping = new Map<number, Promise<void>>();
  private readonly balancer = new Ticker(() => this.balance(), (e) => this.logger.warn(`rebalance failed: ${String(e)}`));
  private readonly refresher = new Ticker(() => this.refreshIndex(), (e) => this.logger.warn(`index refresh failed: ${String(e)}`));
  private readonly forwarder = new Ticker(() => this.forwards.pass().then(() => undefined), (e) => this.logger.warn(`forward relay failed: ${String(e)}`));
  private indexSince = new Date(0);
  private readonly handling = new Set<string>();
  private shuttingDown = false;
  /**
   * Partition messages nak'd since the last renewal, and the last reason. Logged as one line per
   * renewal: after a lost lease thousands are refused at once, and a line each slowed the process
   * enough to lose the next lease too.
   */
  private returned = { count: 0, reason: '' };

  constructor(
    db: DataSource,
    forwards: ClusterForwardRepository,
    @Inject(MESSAGE_BUS) bus: MessageBus,
    private readonly batcher: Batcher,
    private readonly registry: ActorRegistry,
    private readonly correlator: Correlator,
    private readonly store: PgActorStore,
    private readonly corral: CorralConfig,
    @Inject(OWNERSHIP) readonly ownership: PartitionOwnership | null,
    @Inject(CLUSTER_CONFIG) readonly config: ClusterConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.forwards = new ForwardRelay(forwards, bus);
    if (ownership) {
      if (!(bus instanceof JetStreamBus)) throw new Error('CORRAL_CLUSTER=on needs JetStream (NATS_URL)');
      const { url } = db.options as { url?: string };
      if (!url) throw new Error('CORRAL_CLUSTER=on needs the database as a URL (the lease table keeps a connection of its own)');
      // Claims skip locked rows and releases wait only for a claim or renewal: a lease long enough for any of them.
      this.leases = new LeaseTable(url, config.instanceId, config.leaseMs, config.leaseMs);
      this.renewer = new LeaseRenewer(
        {
          url,
          instanceId: config.instanceId,
          leaseMs: config.leaseMs,
          // Four times a lease: three quarters of it are left for a renewal that is late.
          everyMs: Math.max(200, Math.floor(config.leaseMs / 4)),
          maxStallMs: config.leaseMs * MAX_STALL_LEASES,
          shared: ownership.shared,
        },
        (report) => this.renewed(report),
        (error) => this.logger.error(`lease renewer: ${String(error)}`),
      );
      const { js, jsm } = bus.jetstream;
      this.streams = new PartitionStreams(js, jsm, bus.subjects, config.partitions, config.ackWaitMs);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.ownership || !this.leases || !this.streams) return;
    await this.leases.ensure(this.config.partitions);
    await this.streams.ensureTopology();
    // The routing index was loaded from every snapshot at start-up; refresh from now on.
    this.indexSince = new Date(this.clock.now().getTime() - 5_000);
    await this.renewer?.start();
    await this.balancer.now();
    this.balancer.start(Math.max(200, Math.floor(this.config.leaseMs / 3)));
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
    await this.renewer?.stop();
    await this.refresher.stop();
    await this.forwarder.stop();
    // Forwards decided while handing off: send them now rather than leave them to the others' relays.
    await this.forwards.pass().catch(() => 0);
    await this.leases.leave().catch(() => undefined);
    await this.leases.close().catch(() => undefined);
    this.logger.log('handed off every partition');
  }

  /** What a renewal (on the renewer's thread) found: anything held and not extended was lost. */
  private renewed(report: RenewerReport): void {
    const ownership = this.ownership as PartitionOwnership;
    if (report.kind === 'failed') this.logger.warn(`lease renewal failed: ${report.error}`);
    if (report.kind === 'stalled') this.logger.error(`main thread not seen for ${MAX_STALL_LEASES} leases: leases not renewed`);
    if (report.kind !== 'renewed') return;
    if (report.tookMs > this.config.leaseMs / 3) this.logger.warn(`lease renewal took ${Math.round(report.tookMs)} ms (lease ${this.config.leaseMs} ms)`);
    if (report.waiting.length > 0) this.logger.warn(`leases ${report.waiting.map(([p]) => p).join(', ')} held by a commit in flight: renewing them next tick`);
    // Left waiting for a commit of ours: still ours (a takeover waits for that commit too), tried again next tick.
    const renewed = new Map([...report.waiting, ...report.leases]);
    // Held before the renewal started, with the epoch it would have extended (a later claim or handoff lost nothing).
    const lost = [...ownership.held()].filter(([p, epoch]) => renewed.get(p) !== epoch && ownership.heldSince(p) < report.startedAt).map(([p]) => p);
    if (lost.length > 0) {
      // Another instance holds them now (or may at any moment): stop at once, nothing to hand off.
      this.logger.warn(`lost partitions ${lost.join(', ')} (lease expired); stopping them`);
      ownership.remove(lost);
      this.registry.evictWhere((s) => lost.includes(ownership.partitionOf(s)));
      for (const p of lost) void this.stopConsumer(p);
    }
    if (this.returned.count > 0) {
      this.logger.warn(`${this.returned.count} partition messages not committed, returned for redelivery (last: ${this.returned.reason})`);
      this.returned = { count: 0, reason: '' };
    }
  }

  private async balance(): Promise<void> {
    if (this.shuttingDown) return;
    const ownership = this.ownership as PartitionOwnership;
    const leases = this.leases as LeaseTable;
    if (!ownership.valid) return;
    await leases.forgetDead();
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
      }
      // One JetStream request each: side by side, so a takeover of many partitions starts pulling them together.
      await Promise.all([...claimed.keys()].map((p) => this.startConsumer(p)));
      if (claimed.size > 0) this.logger.log(`claimed partitions ${[...claimed.keys()].join(', ')}; ${ownership.owned().length} held`);
    }
  }

  private async handOff(leases: Map<number, number>): Promise<void> {
    if (leases.size === 0) return;
    const ownership = this.ownership as PartitionOwnership;
    const partitions = [...leases.keys()];
    ownership.beginRelease(partitions);
    // Let what was taken for these partitions settle, then a barrier: an empty submission commits
    // after every batch already taken (strict commit order), so none of them is refused by the
    // fence once the lease is gone. Both wait behind the whole batcher queue, which under overload
    // (20,000 inputs) took tens of seconds; so they are waited for at most a lease. What is still
    // queued then is safe anyway: prepared after the release, it is forwarded to the next owner;
    // prepared before, its commit is refused by the fence and its messages come back.
    const settled = Promise.all(partitions.map((p) => this.stopConsumer(p))).then(() => this.batcher.submit([]).catch(() => undefined));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.config.leaseMs)));
    await Promise.race([settled, waited]);
    clearTimeout(timer);
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
      () => (this.streams as PartitionStreams).receipts(),
      (message, receipt) => this.handle(message, receipt),
      () => this.batcher.capacity(),
      // A belief not renewed in time: whatever it pulled now would only be refused by the fence.
      () => !(this.ownership as PartitionOwnership).valid,
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
  private async handle(message: JsMsg, receipt: string): Promise<void> {
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
      await this.batcher.submit([sig.input], { receipt, inputReceipts: origin });
      message.ack();
    } catch (error) {
      // The input came here twice and its other copy is committed: nothing is left to do.
      if (error instanceof DuplicateInputError && error.committed) {
        message.ack();
        return;
      }
      this.returned = { count: this.returned.count + 1, reason: `${receipt}: ${error instanceof Error ? error.message : String(error)}` };
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

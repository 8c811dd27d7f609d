import { Global, Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ActorRegistry } from '../../actors/actor-registry.js';
import { BatchExecutor } from '../../actors/batch-executor.js';
import { Batcher } from '../../actors/batcher.js';
import { systemClock, type Clock } from '../../actors/clock.js';
import { Correlator } from '../../actors/correlator.js';
import type { RuleSet } from '../../correlation/rules.js';
import { CorralConfig } from '../config/corral-config.js';
import { destinationsFor, type HelpdeskConfig } from '../helpdesk/helpdesk-config.js';
import { HELPDESK } from '../helpdesk/tokens.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { MasterKey } from '../persistence/journal-cipher.js';
import { JournalKeys } from '../persistence/journal-key.repository.js';
import { JournalSealer } from '../persistence/journal-sealer.js';
import { PgActorStore } from '../persistence/pg-actor-store.js';
import { loadRulesFingerprinted, ruleVersions, type LoadedRules } from '../rules/rule-files.js';
import type { ClusterConfig } from '../cluster/cluster-config.js';
import { PartitionOwnership } from '../cluster/partition-ownership.js';
import { CLUSTER_CONFIG, OWNERSHIP } from '../cluster/tokens.js';
import { Timekeeper } from './timekeeper.js';
import { CLOCK, LOADED_RULES, RULES } from './tokens.js';

export { CLOCK, LOADED_RULES, RULES };

const PROVIDERS: Provider[] = [
  {
    // Read once: the rules the correlator starts with, and what the reloader compares later loads with.
    provide: LOADED_RULES,
    inject: [CorralConfig],
    useFactory: (config: CorralConfig): LoadedRules => {
      const loaded = loadRulesFingerprinted(config.rulesDir, config.tokenKey);
      new Logger('Rules').log(`loaded ${ruleVersions(loaded.rules).length} rules from ${config.rulesDir ?? 'config/rules'}`);
      return loaded;
    },
  },
  { provide: RULES, inject: [LOADED_RULES], useFactory: (loaded: LoadedRules) => loaded.rules },
  { provide: CLUSTER_CONFIG, inject: [CorralConfig], useFactory: (config: CorralConfig) => config.cluster },
  {
    // Null unless CORRAL_CLUSTER=on: then the executor forwards what it does not own and every commit is fenced.
    provide: OWNERSHIP,
    inject: [CLUSTER_CONFIG],
    useFactory: (cluster: ClusterConfig) => (cluster.enabled ? new PartitionOwnership(cluster.instanceId, cluster.partitions) : null),
  },
  { provide: MasterKey, inject: [CorralConfig], useFactory: (config: CorralConfig) => new MasterKey(config.journal.keySecret) },
  { provide: JournalSealer, inject: [MasterKey, CLOCK], useFactory: (master: MasterKey, clock: Clock) => new JournalSealer(master, undefined, undefined, clock) },
  { provide: JournalKeys, inject: [DataSource, MasterKey], useFactory: (db: DataSource, master: MasterKey) => new JournalKeys(db, master) },
  {
    provide: PgActorStore,
    inject: [DataSource, HELPDESK, OWNERSHIP, JournalSealer, CLOCK],
    useFactory: (db: DataSource, helpdesk: HelpdeskConfig, ownership: PartitionOwnership | null, sealer: JournalSealer, clock: Clock) =>
      new PgActorStore(db, (type, queue, priority) => destinationsFor(helpdesk, type, queue, priority), ownership ?? undefined, sealer, clock),
  },
  {
    provide: ActorRegistry,
    inject: [PgActorStore, CorralConfig, CLOCK],
    useFactory: (store: PgActorStore, config: CorralConfig, clock: Clock) => new ActorRegistry(store, config.actors, () => clock.now().getTime()),
  },
  {
    // Cross-incident routing needs to know every active incident before the first event arrives.
    provide: Correlator,
    inject: [RULES, PgActorStore],
    useFactory: async (rules: RuleSet, store: PgActorStore) => {
      const correlator = new Correlator(rules);
      for (const state of await store.loadIndexable()) correlator.index.apply(state);
      return correlator;
    },
  },
  {
    provide: Batcher,
    inject: [ActorRegistry, PgActorStore, Correlator, CorralConfig, CLOCK, OWNERSHIP, { token: MetricsService, optional: true }],
    useFactory: (
      registry: ActorRegistry,
      store: PgActorStore,
      correlator: Correlator,
      config: CorralConfig,
      clock: Clock,
      ownership: PartitionOwnership | null,
      metrics?: MetricsService,
    ) => {
      const logger = new Logger('Batcher');
      const executor = new BatchExecutor(registry, store, correlator, clock, config.chain.keys, ownership ?? undefined);
      return new Batcher(executor, config.batch, metrics, { warn: (fields, message) => logger.warn({ ...fields, msg: message }) });
    },
  },
  Timekeeper,
];

/** Wires the framework-free actor runtime to Postgres; everything that changes an incident goes through Batcher. */
@Global()
@Module({})
export class RuntimeModule {
  /** `clock` is for tests that move time by hand; corral itself runs on the system clock. */
  static forRoot(clock: Clock = systemClock): DynamicModule {
    return {
      module: RuntimeModule,
      providers: [{ provide: CLOCK, useValue: clock }, ...PROVIDERS],
      exports: [Batcher, Correlator, ActorRegistry, Timekeeper, PgActorStore, JournalKeys, JournalSealer, MasterKey, CLOCK, RULES, LOADED_RULES, OWNERSHIP, CLUSTER_CONFIG],
    };
  }
}

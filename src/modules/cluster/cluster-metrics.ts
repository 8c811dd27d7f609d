import { Gauge } from 'prom-client';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { ClusterService } from './cluster.service.js';

/**
 * The cluster's instruments on corral's metrics registry, read at scrape time. Lag and epoch are
 * reported for the partitions this instance owns, so summing over instances counts each once.
 */
export function registerClusterMetrics(metrics: MetricsService, cluster: ClusterService): void {
  const registers = [metrics.registry];
  const { ownership, streams, leases } = cluster;
  if (!ownership || !streams || !leases) return;
  new Gauge({
    name: 'corral_cluster_partitions_owned',
    help: 'Partitions whose lease this instance holds.',
    registers,
    collect() {
      this.set(ownership.owned().length);
    },
  });
  new Gauge({
    name: 'corral_cluster_partition_epoch',
    help: 'Lease epoch (fencing token) of each partition owned here.',
    labelNames: ['partition'] as const,
    registers,
    collect() {
      this.reset();
      for (const [p, epoch] of ownership.held()) this.set({ partition: String(p) }, epoch);
    },
  });
  new Gauge({
    name: 'corral_cluster_partition_lag',
    help: 'Messages of an owned partition not yet delivered (state=pending) or not yet acked (state=ack_pending).',
    labelNames: ['partition', 'state'] as const,
    registers,
    async collect() {
      this.reset();
      const owned = ownership.owned();
      const lags = await Promise.all(owned.map((p) => streams.lag(p)));
      owned.forEach((p, i) => {
        const lag = lags[i];
        if (!lag) return;
        this.set({ partition: String(p), state: 'pending' }, lag.pending);
        this.set({ partition: String(p), state: 'ack_pending' }, lag.ackPending);
      });
    },
  });
  new Gauge({
    name: 'corral_cluster_instances',
    help: 'Instances with a heartbeat within one lease duration.',
    registers,
    async collect() {
      this.set((await leases.instances()).filter((i) => i.live).length);
    },
  });
  new Gauge({
    name: 'corral_cluster_forwards_pending',
    help: 'Deliveries decided for another instance’s actors, committed and not yet sent on.',
    registers,
    async collect() {
      this.set(await cluster.forwards.depth());
    },
  });
}

import { Global, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClusterForwardRepository } from './cluster-forward.repository.js';
import { ClusterController } from './cluster.controller.js';
import { registerClusterMetrics } from './cluster-metrics.js';
import { ClusterRouter } from './cluster-router.js';
import { ClusterService } from './cluster.service.js';

@Injectable()
class ClusterMetricsBinder implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly cluster: ClusterService,
  ) {}
  onModuleInit(): void {
    registerClusterMetrics(this.metrics, this.cluster);
  }
}

/**
 * Several instances (CORRAL_CLUSTER=on): leases, the partitioned second stage and GET /v1/cluster.
 * The ownership itself is built by RuntimeModule, which hands it to the executor and the store.
 */
@Global()
@Module({
  controllers: [ClusterController],
  providers: [ClusterForwardRepository, ClusterService, ClusterRouter, ClusterMetricsBinder],
  exports: [ClusterRouter, ClusterService],
})
export class ClusterModule {}

import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ClusterService } from './cluster.service.js';
import { clusterView, ClusterView } from './cluster-status.js';

@ApiTags('operations')
@Controller('v1/cluster')
export class ClusterController {
  constructor(private readonly cluster: ClusterService) {}

  @Get()
  @ApiOkResponse({ type: ClusterView, description: 'instances, partition leases (owner, epoch) and lag per partition' })
  status(): Promise<ClusterView> {
    return this.view();
  }

  private async view(): Promise<ClusterView> {
    const { leases, streams, config } = this.cluster;
    if (!leases || !streams) {
      return { mode: 'single', instance: config.instanceId, partitionCount: 0, instances: [], partitions: [], forwardsPending: 0 };
    }
    const [instances, rows, forwardsPending] = await Promise.all([leases.instances(), leases.leases(), this.cluster.forwards.depth()]);
    const lags = await Promise.all(rows.map((r) => streams.lag(r.partition)));
    return clusterView(config.instanceId, config.partitions, instances, rows, lags, forwardsPending);
  }
}

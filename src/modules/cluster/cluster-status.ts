import { ApiProperty } from '@nestjs/swagger';
import type { InstanceRow, LeaseRow } from './lease.repository.js';

export class ClusterInstanceView {
  @ApiProperty() id!: string;
  @ApiProperty() startedAt!: string;
  @ApiProperty() heartbeatAt!: string;
  @ApiProperty({ description: 'heartbeat within one lease duration' }) live!: boolean;
  @ApiProperty({ description: 'partitions whose valid lease it holds' }) partitions!: number;
}

export class PartitionView {
  @ApiProperty() partition!: number;
  @ApiProperty({ nullable: true, type: String }) owner!: string | null;
  @ApiProperty({ description: 'fencing token: +1 at every takeover' }) epoch!: number;
  @ApiProperty() expiresAt!: string;
  @ApiProperty() valid!: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'messages on the partition not yet delivered' }) pending!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'delivered, not yet acked' }) ackPending!: number | null;
}

export class ClusterView {
  @ApiProperty({ enum: ['single', 'cluster'] }) mode!: 'single' | 'cluster';
  @ApiProperty() instance!: string;
  @ApiProperty() partitionCount!: number;
  @ApiProperty({ type: [ClusterInstanceView] }) instances!: ClusterInstanceView[];
  @ApiProperty({ type: [PartitionView] }) partitions!: PartitionView[];
  @ApiProperty({ description: 'forwarded deliveries committed and not yet sent on' }) forwardsPending!: number;
}

/** Rows → the operator's view (entities never reach HTTP). */
export function clusterView(
  instance: string,
  partitionCount: number,
  instances: InstanceRow[],
  leases: LeaseRow[],
  lags: Array<{ pending: number; ackPending: number } | null>,
  forwardsPending: number,
): ClusterView {
  const held = new Map<string, number>();
  for (const l of leases) if (l.owner && l.valid) held.set(l.owner, (held.get(l.owner) ?? 0) + 1);
  return {
    mode: 'cluster',
    instance,
    partitionCount,
    instances: instances.map((i) => ({ ...i, partitions: held.get(i.id) ?? 0 })),
    partitions: leases.map((l, i) => ({ ...l, pending: lags[i]?.pending ?? null, ackPending: lags[i]?.ackPending ?? null })),
    forwardsPending,
  };
}

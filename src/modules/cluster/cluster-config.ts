/** Several instances sharing the work (README "Running several instances"); read from CORRAL_CLUSTER and CLUSTER_* by loadConfig. */
export interface ClusterConfig {
  /** Off (the default): one instance owns every actor, no leases, no second hop. */
  enabled: boolean;
  /** Fixed for the life of a deployment: partitions of the `corral.sig` stream and of the lease table. */
  partitions: number;
  /** A lease not renewed for this long expires and another instance may take the partition over. */
  leaseMs: number;
  instanceId: string;
  /** Ack wait of the per-partition consumers: how long a message taken by a dead owner waits to be redelivered. */
  ackWaitMs: number;
  /** How often the routing index reads what other instances' actors became. */
  indexRefreshMs: number;
  /** How often messages decided for another instance's actors are sent on. */
  forwardPollMs: number;
}

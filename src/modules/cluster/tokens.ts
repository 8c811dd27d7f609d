export const CLUSTER_CONFIG = Symbol('ClusterConfig');
/** The PartitionOwnership of this instance, or null when CORRAL_CLUSTER is off. */
export const OWNERSHIP = Symbol('Ownership');

import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config/corral-config.js';

/** Several instances sharing the work (README "Running several instances"). */
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

const int = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, problems: string[]): number => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) problems.push(`${name}: must be an integer from ${min} to ${max} (got "${raw}")`);
  return value;
};

/**
 * The CLUSTER_* variables, validated at boot like the rest of the configuration (a bad value stops
 * the process naming the variable). Kept beside the cluster module rather than in EnvDto so the
 * whole feature is in one place; see README for each variable.
 */
export function loadClusterConfig(env: NodeJS.ProcessEnv = process.env): ClusterConfig {
  const problems: string[] = [];
  const mode = env.CORRAL_CLUSTER ?? 'off';
  if (!['on', 'off'].includes(mode)) problems.push(`CORRAL_CLUSTER: must be "on" or "off" (got "${mode}")`);
  const enabled = mode === 'on';
  if (enabled && !env.NATS_URL) problems.push('CORRAL_CLUSTER: "on" needs NATS_URL (instances share work through JetStream)');
  const leaseMs = int(env, 'CLUSTER_LEASE_MS', 10_000, 1_000, 600_000, problems);
  const config: ClusterConfig = {
    enabled,
    partitions: int(env, 'CLUSTER_PARTITIONS', 64, 1, 1024, problems),
    leaseMs,
    instanceId: env.CLUSTER_INSTANCE_ID ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
    ackWaitMs: int(env, 'CLUSTER_ACK_WAIT_MS', 10_000, 1_000, 600_000, problems),
    indexRefreshMs: int(env, 'CLUSTER_INDEX_REFRESH_MS', 250, 20, 60_000, problems),
    forwardPollMs: int(env, 'CLUSTER_FORWARD_POLL_MS', 50, 5, 60_000, problems),
  };
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(config.instanceId)) problems.push('CLUSTER_INSTANCE_ID: letters, digits, ".", "_" and "-" only, at most 128');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

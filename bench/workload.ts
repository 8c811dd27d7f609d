import { createHash } from 'node:crypto';
import { seededRandom } from '../test/support/seeded-random.js';

/**
 * The benchmark's workload, generated once and sent identically to Alertmanager and corral:
 * alerts over `signatures` signatures drawn from a Zipf distribution (a few very noisy systems, a
 * long tail of quiet ones), of which `repeatShare` are resends of an alert still firing and
 * `resolveShare` resolve one. Deterministic for a given seed.
 */
export interface WorkloadShape {
  signatures: number;
  zipfExponent: number;
  repeatShare: number;
  resolveShare: number;
  seed: number;
}

export const ISSUE_SHAPE: WorkloadShape = { signatures: 10_000, zipfExponent: 1.0, repeatShare: 0.2, resolveShare: 0.05, seed: 5 };

export interface BenchAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** Set on a resolve: a past instant, so both tools treat the alert as over. */
  endsAt?: string;
  fingerprint: string;
}

export interface Mix {
  fresh: number;
  repeats: number;
  resolves: number;
  signaturesHit: number;
}

/** mulberry32: small, fast, and good enough to pick ranks. */
const random = seededRandom;

function zipf(n: number, s: number, rand: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) cdf[k - 1] = sum += 1 / k ** s;
  return () => {
    const u = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] ?? 0) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

export class AlertStream {
  private readonly rand: () => number;
  private readonly rank: () => number;
  private readonly firing: BenchAlert[] = [];
  private readonly hit = new Set<number>();
  private fresh = 0;
  private repeats = 0;
  private resolves = 0;
  /** Firing alerts started an hour ago, so a resolve's endsAt (just past) always comes after. */
  private readonly startedAt = Date.now() - 3_600_000;

  constructor(
    private readonly shape: WorkloadShape,
    /** Keeps the alerts of different phases (and runs) apart. */
    private readonly tag: string,
  ) {
    this.rand = random(shape.seed);
    this.rank = zipf(shape.signatures, shape.zipfExponent, this.rand);
  }

  next(): BenchAlert {
    const r = this.rand();
    if (this.firing.length > 0 && r < this.shape.resolveShare) {
      const i = Math.floor(this.rand() * this.firing.length);
      const alert = this.firing[i];
      this.firing[i] = this.firing[this.firing.length - 1];
      this.firing.pop();
      this.resolves += 1;
      return { ...alert, endsAt: new Date(Date.now() - 1000).toISOString() };
    }
    if (this.firing.length > 0 && r < this.shape.resolveShare + this.shape.repeatShare) {
      this.repeats += 1;
      return this.firing[Math.floor(this.rand() * this.firing.length)];
    }
    const rank = this.rank();
    this.hit.add(rank);
    this.fresh += 1;
    const labels = {
      alertname: `BenchAlert${rank % 50}`,
      system: `sys-${rank}`,
      facility: `site-${rank % 7}`,
      severity: SEVERITIES[rank % SEVERITIES.length] as string,
      instance: `${this.tag}-host-${this.fresh}`,
    };
    const alert: BenchAlert = {
      labels,
      annotations: { summary: `service degraded on sys-${rank}` },
      startsAt: new Date(this.startedAt + this.fresh).toISOString(),
      fingerprint: fingerprintOf(labels),
    };
    this.firing.push(alert);
    return alert;
  }

  take(count: number): BenchAlert[] {
    return Array.from({ length: count }, () => this.next());
  }

  get mix(): Mix {
    return { fresh: this.fresh, repeats: this.repeats, resolves: this.resolves, signaturesHit: this.hit.size };
  }
}

function fingerprintOf(labels: Record<string, string>): string {
  return createHash('sha256').update(JSON.stringify(Object.entries(labels).sort())).digest('hex').slice(0, 16);
}

/** Alertmanager API v2 `postableAlerts`, as Prometheus sends them to POST /api/v2/alerts. */
export function toAlertmanagerApi(alerts: BenchAlert[]): string {
  return JSON.stringify(
    alerts.map((a) => ({ labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, ...(a.endsAt ? { endsAt: a.endsAt } : {}), generatorURL: 'http://bench/graph' })),
  );
}

/** Alertmanager webhook v4, as Alertmanager would deliver these alerts to corral's ingest route. */
export function toWebhook(alerts: BenchAlert[]): string {
  return JSON.stringify({
    version: '4',
    groupKey: '{}:{}',
    truncatedAlerts: 0,
    status: alerts.some((a) => !a.endsAt) ? 'firing' : 'resolved',
    receiver: 'corral',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.bench:9093',
    alerts: alerts.map((a) => ({
      status: a.endsAt ? 'resolved' : 'firing',
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
      generatorURL: 'http://bench/graph',
      fingerprint: a.fingerprint,
    })),
  });
}

/** Canonical event v1 for the same alert: what a bridge publishes to `<ns>.corral.in.canonical`. */
export function toCanonical(alert: BenchAlert): string {
  return JSON.stringify({
    id: `${alert.fingerprint}:${alert.startsAt}`,
    schemaVersion: '1',
    kind: 'alert',
    source: { type: 'canonical', system: 'bench' },
    occurredAt: alert.endsAt ?? alert.startsAt,
    status: alert.endsAt ? 'resolved' : 'firing',
    severity: alert.labels.severity,
    system: alert.labels.system,
    facility: alert.labels.facility,
    symptom: alert.annotations.summary,
    errorSignature: alert.labels.alertname,
    patientImpact: false,
  });
}

/** `items` in consecutive slices of `size` (the last may be shorter): a workload's requests. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

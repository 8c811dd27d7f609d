/**
 * Operational outcomes (the seed's success measures) as plain values: duplicate tickets avoided,
 * time to acknowledge and to resolve by queue and priority, reroutes between queues, and how many
 * incidents machines opened before any person called.
 */

export interface OutcomeIncident {
  id: string;
  priority: string;
  system: string;
  queue: string | null;
  /** 'machine' | 'identity' open incidents automatically; 'report' means a person's call opened it. */
  origin: string;
  openedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  childCount: number;
  reportChildren: number;
}

export interface Reroute {
  from: string | null;
  to: string;
  count: number;
}

export interface ResponseTimes {
  queue: string;
  priority: string;
  incidents: number;
  acknowledged: number;
  ackMedianSeconds: number | null;
  ackP90Seconds: number | null;
  resolved: number;
  resolveMedianSeconds: number | null;
  resolveP90Seconds: number | null;
}

export interface Outcomes {
  from: string;
  to: string;
  incidents: number;
  origin: { automatic: number; manual: number; automaticShare: number | null; byOrigin: Record<string, number> };
  absorbed: {
    /** Reports that joined an existing incident instead of becoming a ticket of their own. */
    reports: number;
    /** Every event or report beyond each incident's first: the tickets a one-per-alert desk would have had. */
    events: number;
    perIncidentMean: number | null;
    top: Array<{ id: string; priority: string; system: string; reportsAbsorbed: number; eventsAbsorbed: number }>;
  };
  responseTimes: ResponseTimes[];
  reroutes: { total: number; incidentsRerouted: number; byPath: Reroute[] };
}

const AUTOMATIC = new Set(['machine', 'identity']);

export function reportsAbsorbed(incident: Pick<OutcomeIncident, 'origin' | 'reportChildren'>): number {
  // The call that opened an incident became its ticket: only the calls after it were absorbed.
  return Math.max(0, incident.reportChildren - (incident.origin === 'report' ? 1 : 0));
}

/** Nearest-rank percentile of seconds; null for no samples. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

const seconds = (from: Date, to: Date) => Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));

export function outcomesOf(range: { from: Date; to: Date }, incidents: OutcomeIncident[], reroutes: { byPath: Reroute[]; incidents: number }, topN = 10): Outcomes {
  const byOrigin: Record<string, number> = {};
  for (const i of incidents) byOrigin[i.origin] = (byOrigin[i.origin] ?? 0) + 1;
  const automatic = incidents.filter((i) => AUTOMATIC.has(i.origin)).length;

  const absorbed = incidents.map((i) => ({ id: i.id, priority: i.priority, system: i.system, reportsAbsorbed: reportsAbsorbed(i), eventsAbsorbed: Math.max(0, i.childCount - 1) }));
  const reports = absorbed.reduce((sum, a) => sum + a.reportsAbsorbed, 0);

  const groups = new Map<string, OutcomeIncident[]>();
  for (const i of incidents) {
    const key = `${i.queue ?? '(unrouted)'}\u0000${i.priority}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  const responseTimes = [...groups.entries()]
    .map(([key, members]): ResponseTimes => {
      const [queue = '', priority = ''] = key.split('\u0000');
      const ack = members.flatMap((i) => (i.acknowledgedAt ? [seconds(i.openedAt, i.acknowledgedAt)] : []));
      const res = members.flatMap((i) => (i.resolvedAt ? [seconds(i.openedAt, i.resolvedAt)] : []));
      return {
        queue,
        priority,
        incidents: members.length,
        acknowledged: ack.length,
        ackMedianSeconds: percentile(ack, 50),
        ackP90Seconds: percentile(ack, 90),
        resolved: res.length,
        resolveMedianSeconds: percentile(res, 50),
        resolveP90Seconds: percentile(res, 90),
      };
    })
    .sort((a, b) => a.priority.localeCompare(b.priority) || a.queue.localeCompare(b.queue));

  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    incidents: incidents.length,
    origin: { automatic, manual: incidents.length - automatic, automaticShare: incidents.length ? automatic / incidents.length : null, byOrigin },
    absorbed: {
      reports,
      events: absorbed.reduce((sum, a) => sum + a.eventsAbsorbed, 0),
      perIncidentMean: incidents.length ? reports / incidents.length : null,
      top: absorbed
        .filter((a) => a.reportsAbsorbed > 0 || a.eventsAbsorbed > 0)
        .sort((a, b) => b.reportsAbsorbed - a.reportsAbsorbed || b.eventsAbsorbed - a.eventsAbsorbed || a.id.localeCompare(b.id))
        .slice(0, topN),
    },
    responseTimes,
    reroutes: {
      total: reroutes.byPath.reduce((sum, r) => sum + r.count, 0),
      incidentsRerouted: reroutes.incidents,
      byPath: [...reroutes.byPath].sort((a, b) => b.count - a.count || a.to.localeCompare(b.to)),
    },
  };
}

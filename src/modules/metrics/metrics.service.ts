import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Input, Outcome } from '../../correlation/inputs.js';
import type { JournalKind } from '../../correlation/transition.js';
import type { RuntimeObserver } from '../../actors/runtime-observer.js';
import type { ActiveIncidents } from './metrics.repository.js';

export type EventOutcome = 'accepted' | 'duplicate' | 'rejected';

/** What the metrics read from the runtime at scrape time, rather than being told on every change. */
export interface RuntimeReadings {
  liveActors(): number;
  mailboxDepth(): number;
  hydrations(): number;
  passivations(): number;
  deadLetters(): Promise<number>;
  activeIncidents(): Promise<ActiveIncidents[]>;
  /** The inbound stream's durable consumer; null without JetStream (the in-process bus). */
  ingestLag(): Promise<{ pending: number; ackPending: number } | null>;
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * corral's Prometheus instruments, on a registry of this app's own (not prom-client's global one),
 * so two corrals in one process — as in the tests — do not collide. Producers call the typed
 * methods; gauges read their values when scraped.
 */
@Injectable()
export class MetricsService implements RuntimeObserver {
  readonly registry = new Registry();
  private readings: RuntimeReadings | undefined;
  private outboxDepth: () => number | Promise<number> = () => 0;

  private readonly events = new Counter({
    name: 'corral_events_total',
    help: 'Events taken in, by source type and outcome (accepted, duplicate, rejected; ignored: a resolve for a child no incident holds).',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly inboxRows = new Counter({
    name: 'corral_inbox_events_total',
    help: 'Events offered to the inbox, by source type and outcome (appended, duplicate: an exact resend by its dedup key).',
    labelNames: ['source', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'corral_intake_refused_total',
    help: 'Ingest requests answered 503 because correlation lagged past INBOX_MAX_PENDING or INBOX_MAX_LAG_MS.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly inboxAppendRows = new Histogram({
    name: 'corral_inbox_append_rows',
    help: 'Rows per inbox append statement (the requests grouped while the previous append ran).',
    buckets: [1, 5, 10, 50, 100, 500, 1000, 2000, 5000],
    registers: [this.registry],
  });
  private readonly inboxAppendSeconds = new Histogram({
    name: 'corral_inbox_append_seconds',
    help: 'Time one inbox append statement took, to its durable commit (requests wait for it before their 202).',
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly batchSize = new Histogram({
    name: 'corral_batch_size',
    help: 'Inputs per committed batch.',
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
    registers: [this.registry],
  });
  private readonly commitSeconds = new Histogram({
    name: 'corral_batch_commit_seconds',
    help: 'Time from the start of a batch (correlation) to its COMMIT.',
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly batchFailures = new Counter({
    name: 'corral_batch_failures_total',
    help: 'Batches whose commit failed (nothing kept; the inputs are retried or answered 503).',
    registers: [this.registry],
  });
  private readonly redeliveries = new Counter({
    name: 'corral_nats_redeliveries_total',
    help: 'JetStream messages delivered again (redelivered=true), by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  private readonly journaled = new Counter({
    name: 'corral_journal_entries_total',
    help: 'Journal entries committed, by kind: incident.opened, child.attached, ticket.opened and the rest of the journal’s fixed list.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly eventToTicket = new Histogram({
    name: 'corral_event_to_ticket_seconds',
    help: 'From an event being received to the helpdesk ticket it caused being delivered.',
    buckets: [...SECONDS, 10, 30, 60],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.readGauge('corral_mailbox_depth', 'Inputs waiting for the next batch.', () => this.readings?.mailboxDepth() ?? 0);
    this.readGauge('corral_live_actors', 'Incident actors held in memory.', () => this.readings?.liveActors() ?? 0);
    this.readCounter('corral_actor_hydrations_total', 'Actors loaded into memory from their snapshot (or created).', () => this.readings?.hydrations() ?? 0);
    this.readCounter('corral_actor_passivations_total', 'Actors dropped from memory (idle, or beyond MAX_LIVE_ACTORS).', () => this.readings?.passivations() ?? 0);
    this.readGauge('corral_dead_letters', 'Dead letters kept (rows of dead_letter), replayed or not.', async () => (await this.readings?.deadLetters()) ?? 0);
    this.readGauge('corral_outbox_depth', 'Helpdesk deliveries waiting in the outbox.', () => this.outboxDepth());
    this.activeIncidentGauges();
    const readings = () => this.readings;
    new Gauge({
      name: 'corral_ingest_lag',
      help: 'Messages on the inbound stream not yet delivered to corral (state=pending) or delivered and not yet acked (state=ack_pending).',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const lag = await readings()?.ingestLag();
        if (!lag) return;
        this.set({ state: 'pending' }, lag.pending);
        this.set({ state: 'ack_pending' }, lag.ackPending);
      },
    });
  }

  /** The inbox's gauges (log-first intake): read at scrape time from where the feeder stands. */
  bindInbox(read: () => { appended: number; correlated: number; pending: number; lagSeconds: number }): void {
    this.readGauge('corral_inbox_appended_position', 'Newest inbox position appended (events durable, answered 202 or acked).', () => read().appended);
    this.readGauge('corral_inbox_correlated_position', 'Inbox position whose effects are committed: everything up to it is correlated.', () => read().correlated);
    this.readGauge('corral_inbox_pending_events', 'Events in the inbox not yet correlated (intake refuses past INBOX_MAX_PENDING).', () => read().pending);
    this.readGauge('corral_inbox_lag_seconds', 'Age of the oldest event not yet correlated; 0 when caught up (intake refuses past INBOX_MAX_LAG_MS).', () => read().lagSeconds);
  }

  /** One inbox append statement: how many rows it carried and how long it took (ms). */
  inboxAppendDone(rows: number, millis: number): void {
    this.inboxAppendRows.observe(rows);
    this.inboxAppendSeconds.observe(millis / 1000);
  }

  /** Events appended to the inbox, and exact resends it recognised (its dedup key). */
  inboxAppended(source: string, appended: number, duplicates: number): void {
    if (appended > 0) this.inboxRows.inc({ source, outcome: 'appended' }, appended);
    if (duplicates > 0) {
      this.inboxRows.inc({ source, outcome: 'duplicate' }, duplicates);
      // An exact resend never reaches the correlator: it is counted as a duplicate here.
      this.events.inc({ source, outcome: 'duplicate' }, duplicates);
    }
  }

  /** An ingest request or NATS pause because correlation lags (back-pressure). */
  intakeRefused(reason: 'lag'): void {
    this.refusals.inc({ reason });
  }

  bindRuntime(readings: RuntimeReadings): void {
    this.readings = readings;
  }

  /** The outbox names how deep it is; until then the gauge reads 0. */
  bindOutboxDepth(read: () => number | Promise<number>): void {
    this.outboxDepth = read;
  }

  eventsRejected(source: string, count = 1): void {
    this.events.inc({ source, outcome: 'rejected' }, count);
  }

  redelivered(source: string): void {
    this.redeliveries.inc({ source });
  }

  batchCommitted(inputs: readonly Input[], outcomes: readonly Outcome[], millis: number, journaled: ReadonlyMap<JournalKind, number>): void {
    this.batchSize.observe(inputs.length);
    for (const [kind, count] of journaled) this.journaled.inc({ kind }, count);
    this.commitSeconds.observe(millis / 1000);
    inputs.forEach((input, i) => {
      const outcome = outcomes[i];
      if (input.type === 'event') this.events.inc({ source: input.event.source.type, outcome: outcome?.duplicate ? 'duplicate' : 'accepted' });
      // A resolve naming a child no incident holds changed nothing.
      else if (input.type === 'resolve') this.events.inc({ source: input.source.type, outcome: outcome?.ignored ? 'ignored' : outcome?.duplicate ? 'duplicate' : 'accepted' });
    });
  }

  batchFailed(): void {
    this.batchFailures.inc();
  }

  /**
   * Both gauges from one query per scrape: prom-client collects each metric on its own, so the
   * second reads the answer the first one asked for instead of asking again.
   */
  private activeIncidentGauges(): void {
    let asked: Promise<ActiveIncidents[]> | undefined;
    const read = (): Promise<ActiveIncidents[]> => {
      asked ??= (this.readings?.activeIncidents() ?? Promise.resolve([])).finally(() => setImmediate(() => (asked = undefined)));
      return asked;
    };
    new Gauge({
      name: 'corral_open_incidents',
      help: 'Incidents not yet resolved (status open, acknowledged or flapping), by priority and status.',
      labelNames: ['priority', 'status'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await read();
        this.reset();
        for (const r of rows) this.set({ priority: r.priority, status: r.status }, r.count);
      },
    });
    new Gauge({
      name: 'corral_oldest_open_incident_age_seconds',
      help: 'Age of the oldest incident not yet resolved (since it was opened), by priority and status.',
      labelNames: ['priority', 'status'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await read();
        this.reset();
        for (const r of rows) this.set({ priority: r.priority, status: r.status }, r.oldestAgeSeconds);
      },
    });
  }

  private readGauge(name: string, help: string, read: () => number | Promise<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }

  /** The runtime counts these itself; the exported counter follows its running total. */
  private readCounter(name: string, help: string, read: () => number): void {
    let seen = 0;
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        const now = read();
        if (now > seen) this.inc(now - seen);
        seen = now;
      },
    });
  }
}

import { systemClock } from '../../actors/clock.js';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { Batcher } from '../../actors/batcher.js';
import type { Input } from '../../correlation/inputs.js';
import type { PartitionOwnership } from '../cluster/partition-ownership.js';
import { OWNERSHIP } from '../cluster/tokens.js';
import { CorralConfig } from '../config/corral-config.js';
import { UnavailableError } from '../http/domain-errors.js';
import { DeadLetterService } from '../ingest/dead-letters/dead-letter.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { InboxFeeder, type Correlated } from './inbox-feeder.js';
import { InboxRepository } from './inbox.repository.js';
import { InboxWriter, type Appended, type InboxEntry } from './inbox-writer.js';

/** How fresh what the API reads is: the inbox position correlated, when, and how much waits. */
export interface Freshness {
  position: number;
  at: string;
  pending: number;
}

/** How often the age of the oldest uncorrelated event is read (back-pressure, metrics). */
const LAG_CHECK_MS = 1000;
/** Rows pruned per statement. */
const PRUNE_CHUNK = 10_000;

const encoder = new TextEncoder();

/** Intake counts as busy for this long after its last append was asked for. */
const INTAKE_QUIET_MS = 20;
/**
 * While intake is busy (InboxFeeder.deferring): pages of this many rows, about 13 ms of the event
 * loop each, so that a request arriving during one waits little…
 */
const BUSY_PAGE_SIZE = 100;
/** …taking about this share of the time… */
const BUSY_SHARE = 0.2;
/**
 * …and never more than this apart. Measured in `npm run bench` (BENCHMARKS.md, issue 23 notes):
 * full pages every 0 ms gave 0.36× Alertmanager accepted over the five rounds, 150 ms 0.47×, 1 s
 * 0.53×, with correlation as fast or faster overall.
 */
const MAX_DEFER_MS = 1000;

/**
 * corral's inbox (log-first intake): ingest routes and NATS intake append here and answer once the
 * rows are durable; the feeder applies them to the correlator in order. With several instances
 * (CORRAL_CLUSTER=on) JetStream's partition streams are the log instead and this stays idle.
 */
@Injectable()
export class Inbox implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly writer: InboxWriter;
  private readonly feeder: InboxFeeder;
  private lagMs = 0;
  private lagTimer: NodeJS.Timeout | undefined;
  private roomWaiters: Array<() => void> = [];
  readonly enabled: boolean;

  constructor(
    private readonly repository: InboxRepository,
    batcher: Batcher,
    private readonly config: CorralConfig,
    private readonly metrics: MetricsService,
    deadLetters: DeadLetterService,
    @Inject(OWNERSHIP) ownership: PartitionOwnership | null,
    @InjectPinoLogger(Inbox.name) private readonly logger: PinoLogger,
  ) {
    this.enabled = ownership === null;
    this.feeder = new InboxFeeder(
      repository,
      batcher,
      {
        pageSize: config.batch.maxSize,
        retryDelayMs: config.nats.retryDelayMs,
        pollMs: 250,
        // Intake first (InboxFeeder.deferring): busy = an append within the last 20 ms.
        intakeBusy: () => this.writer.busy(INTAKE_QUIET_MS),
        behind: () => this.feeder.status.pending >= config.inbox.maxPending / 2 || this.lagMs >= config.inbox.maxLagMs / 2,
        busyPageSize: BUSY_PAGE_SIZE,
        busyShare: BUSY_SHARE,
        maxDeferMs: MAX_DEFER_MS,
      },
      // Set aside by the runtime after its 202: kept as a dead letter, where an operator can see and replay it.
      ({ input, reason, detail, position }) => deadLetters.record({ reason, source: sourceOf(input), subject: `inbox:${position}`, detail, data: encoder.encode(input), filtered: true }),
      { warn: (fields, message) => this.logger.warn(fields, message) },
    );
    this.writer = new InboxWriter(
      repository,
      (position, count) => this.feeder.appended(position, count),
      (rows, millis) => metrics.inboxAppendDone(rows, millis),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    this.metrics.bindInbox(() => ({ ...this.feeder.status, lagSeconds: this.lagMs / 1000 }));
    if (!this.enabled) return;
    await this.feeder.start();
    this.lagTimer = setInterval(() => void this.checkLag(), LAG_CHECK_MS).unref();
  }

  /**
   * Stop feeding at the first step of a stop (with the shutdown gate), not after the other modules'
   * hooks: what is in the batcher commits, everything else waits, durable, for the next start, and
   * a stop with a large backlog does not go on correlating it.
   */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.lagTimer);
    await this.feeder.stop();
  }

  /** Appends NATS intake asks for while it settles what it took still go in. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.writer.drain();
  }

  /** Whether intake may take more now: correlation is within INBOX_MAX_PENDING events and INBOX_MAX_LAG_MS. */
  get hasRoom(): boolean {
    const { maxPending, maxLagMs } = this.config.inbox;
    return this.feeder.status.pending < maxPending && this.lagMs < maxLagMs;
  }

  /** Resolves when there is room again (NATS intake waits here instead of pulling). */
  room(): Promise<void> {
    if (this.hasRoom) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Appends the entries and resolves once they are durable, with each one's position (null: an
   * exact resend already in the inbox). Refused with 503 while correlation lags past its bounds;
   * nothing is appended then.
   */
  append(entries: InboxEntry[], source: string): Promise<Appended> {
    if (!this.hasRoom) {
      this.metrics.intakeRefused('lag');
      const { pending } = this.feeder.status;
      return Promise.reject(new UnavailableError(`correlation is ${pending} events (${Math.round(this.lagMs / 1000)} s) behind; nothing was kept, retry shortly`, 1));
    }
    return this.writer.append(entries).then((appended) => {
      const duplicates = appended.filter((p) => p === null).length;
      this.metrics.inboxAppended(source, appended.length - duplicates, duplicates);
      return appended;
    });
  }

  /** See InboxFeeder.whenCorrelated; the wait is capped by INGEST_WAIT_MAX_MS. */
  whenCorrelated(positions: number[], timeoutMs: number): Promise<Array<Correlated | undefined>> {
    return this.feeder.whenCorrelated(positions, Math.min(timeoutMs, this.config.inbox.waitMaxMs));
  }

  /** For API answers: how fresh the read models are. */
  freshness(): Freshness {
    const { correlated, correlatedAt, pending } = this.feeder.status;
    return { position: correlated, at: correlatedAt.toISOString(), pending };
  }

  private async checkLag(): Promise<void> {
    const { correlated, pending } = this.feeder.status;
    try {
      const oldest = pending > 0 ? await this.repository.receivedAfter(correlated) : null;
      // `received_at` is PostgreSQL's now(): compared with the system clock, whatever Clock the runtime has.
      this.lagMs = oldest ? Math.max(0, systemClock.now().getTime() - oldest.getTime()) : 0;
    } catch {
      // The database is away: the lag stays as last read; intake will fail on its own.
    }
    if (this.hasRoom && this.roomWaiters.length > 0) for (const wake of this.roomWaiters.splice(0)) wake();
  }

  /**
   * Inbox rows correlated and older than INBOX_RETENTION_MS go, a chunk at a time. Called by the
   * retention job (retention-job.ts) every hour, beside the rest of corral's periodic pruning.
   */
  async prune(now = systemClock.now()): Promise<number> {
    const before = new Date(now.getTime() - this.config.inbox.retentionMs);
    let total = 0;
    try {
      for (;;) {
        const gone = await this.repository.prune(before, PRUNE_CHUNK);
        total += gone;
        if (gone < PRUNE_CHUNK) break;
      }
    } catch (error) {
      this.logger.warn({ error: error instanceof Error ? error.name : 'error' }, 'pruning the inbox failed; the retention job tries again within the hour');
    }
    if (total > 0) this.logger.info({ rows: total }, 'inbox rows past INBOX_RETENTION_MS pruned');
    return total;
  }
}

/** The event's source type for a dead letter's `source` (what the dead-letter list filters by). */
function sourceOf(input: string): string {
  try {
    const parsed = JSON.parse(input) as Input;
    return parsed.type === 'event' ? parsed.event.source.type : parsed.type === 'resolve' ? parsed.source.type : parsed.type;
  } catch {
    return 'inbox';
  }
}

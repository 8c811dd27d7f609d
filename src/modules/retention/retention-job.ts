import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ActorRegistry } from '../../actors/actor-registry.js';
import { systemClock, type Clock } from '../../actors/clock.js';
import { AuditTrail } from '../audit/audit-trail.js';
import { CorralConfig } from '../config/corral-config.js';
import { Inbox } from '../inbox/inbox.service.js';
import { JournalSealer } from '../persistence/journal-sealer.js';
import { RetentionStore } from '../persistence/retention-store.js';
import { CLOCK } from '../runtime/tokens.js';
import { purge, type PurgeReport } from './purge.js';

const DAY_MS = 86_400_000;
/**
 * How often the job wakes: it prunes the inbox, and looks whether a day has passed since its last
 * purge (a restart runs it again).
 */
const CHECK_MS = 3_600_000;

/**
 * corral's periodic pruning, in one place. JOURNAL_RETENTION_DAYS: once a day (and shortly after
 * start) forgets what closed longer ago than that, as `corral purge --before <now − days>` would.
 * INBOX_RETENTION_MS: every hour (and shortly after start) drops inbox rows correlated and older
 * than that — hourly, not daily, since the window may be set as short as a minute; each pass reads
 * only the inbox's head, so it costs little. Several instances may run it at once: each step is
 * idempotent, and the second finds nothing left to do.
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private lastRun = 0;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditTrail,
    private readonly registry: ActorRegistry,
    private readonly sealer: JournalSealer,
    private readonly config: CorralConfig,
    private readonly inbox: Inbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const pass = () => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    };
    this.timer = setInterval(pass, CHECK_MS);
    this.timer.unref();
    // The first pass a minute after start, out of the way of start-up's hydration.
    this.first = setTimeout(pass, 60_000);
    this.first.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.first);
    await this.running;
  }

  private async tick(): Promise<void> {
    await this.pruneInbox();
    // JOURNAL_RETENTION_DAYS=0: keep incidents' words for ever; the inbox is pruned all the same.
    if (this.config.journal.retentionDays > 0 && this.clock.now().getTime() - this.lastRun >= DAY_MS) await this.run();
  }

  /**
   * Inbox rows correlated and past INBOX_RETENTION_MS (Inbox.prune; it logs its own failure). Exposed
   * for tests. The wall clock, not the Clock: an inbox row's `received_at` is PostgreSQL's `now()`.
   */
  pruneInbox(now = systemClock.now()): Promise<number> {
    return this.inbox.prune(now);
  }

  /** One purge; `before` defaults to now − JOURNAL_RETENTION_DAYS. Exposed for tests. */
  async run(before = new Date(this.clock.now().getTime() - this.config.journal.retentionDays * DAY_MS)): Promise<PurgeReport | undefined> {
    this.lastRun = this.clock.now().getTime();
    try {
      const report = await purge(new RetentionStore(this.db), this.audit, {
        before,
        now: this.clock.now(),
        dryRun: false,
        actor: { name: 'corral:retention', kind: 'system' },
        progress: (line) => this.logger.debug(line),
        // Nothing in memory may write an incident's words back, or seal with its destroyed key.
        forgotten: (incidents) => {
          this.registry.evict(incidents.map((i) => i.signature).filter((s) => (this.registry.peek(s)?.inflight ?? 0) === 0));
          this.sealer.forget(incidents.map((i) => i.id));
        },
      });
      if (report.incidents + report.deadLetters + report.enrichmentLookups > 0) {
        this.logger.log(`retention: forgot ${report.incidents} incident(s) closed before ${report.before}, deleted ${report.deadLetters} dead letter(s) and ${report.enrichmentLookups} directory lookup(s)`);
      }
      return report;
    } catch (error) {
      this.logger.warn(`retention pass failed, will retry: ${String(error)}`);
      return undefined;
    }
  }
}

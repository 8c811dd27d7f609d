import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { systemClock } from '../../actors/clock.js';
import { Correlator } from '../../actors/correlator.js';
import type { Input } from '../../correlation/inputs.js';
import { RuleError } from '../../correlation/rules.js';
import { CorralConfig } from '../config/corral-config.js';
import { InboxRepository } from '../inbox/inbox.repository.js';
import { Replay, type ReplayDifference } from './evaluation/replay.js';
import { loadRulesFingerprinted, ruleVersions } from './rule-files.js';

/** How often the shadow reads what the inbox took since. */
const POLL_MS = 1000;
const PAGE = 1000;
/**
 * Events the shadow holds in memory at most (both worlds keep every incident it made): past it,
 * the shadow stops where it is and says so. Restart corral (or change the rules) for a new window.
 */
const MAX_EVENTS = 200_000;

export interface ShadowReport {
  enabled: boolean;
  rules?: { dirs: string; sha256: string; rules: string[] };
  since?: string;
  /** The last inbox position the shadow has read. */
  position?: number;
  full?: boolean;
  difference?: ReplayDifference;
}

/**
 * A candidate rule set (CORRAL_SHADOW_RULES_DIR) run beside the live one: from the moment corral
 * starts, every input the inbox takes is also correlated in memory under the rules in force and
 * under the candidate, and GET /v1/rules/shadow tells what the candidate would have decided
 * differently. It decides nothing, writes nothing and sends nothing; the live path does not wait
 * for it (it reads the inbox after the fact, like `corral replay`).
 */
@Injectable()
export class ShadowRules implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ShadowRules');
  private replay: Replay | undefined;
  private report: Omit<ShadowReport, 'difference'> = { enabled: false };
  private position = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly config: CorralConfig,
    private readonly correlator: Correlator,
    private readonly inbox: InboxRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const dirs = this.config.shadowRulesDir;
    if (!dirs) return;
    let loaded: ReturnType<typeof loadRulesFingerprinted>;
    try {
      loaded = loadRulesFingerprinted(dirs, this.config.tokenKey);
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      // A candidate that does not compile must not stop the live correlator: said, and not run.
      this.logger.error(`shadow rules not run: ${error.message}`);
      return;
    }
    this.replay = new Replay(this.correlator.rules, loaded.rules);
    this.position = await this.inbox.head();
    this.report = { enabled: true, rules: { dirs, sha256: loaded.sha256, rules: ruleVersions(loaded.rules) }, since: systemClock.now().toISOString(), position: this.position, full: false };
    this.logger.log(`shadow rules from ${dirs} (sha256 ${loaded.sha256.slice(0, 12)}) run beside the live ones from inbox position ${this.position}`);
    this.timer = setInterval(() => void this.poll().catch((error: unknown) => this.logger.warn(`shadow rules: ${String(error)}`)), POLL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Reads what the inbox took since the last poll into both worlds. */
  async poll(): Promise<void> {
    if (!this.replay || this.polling || this.report.full) return;
    this.polling = true;
    try {
      for (;;) {
        const rows = await this.inbox.receivedBetween(undefined, undefined, this.position, PAGE);
        for (const row of rows) {
          if (this.replay.events >= MAX_EVENTS) {
            this.report = { ...this.report, full: true };
            this.logger.warn(`shadow rules stopped at ${MAX_EVENTS} events (inbox position ${this.position}); restart corral for a new window`);
            return;
          }
          await this.replay.feed(JSON.parse(row.input) as Input, row.receivedAt);
          this.position = row.position;
        }
        this.report = { ...this.report, position: this.position };
        if (rows.length < PAGE) return;
      }
    } finally {
      this.polling = false;
    }
  }

  current(): ShadowReport {
    return this.replay ? { ...this.report, difference: this.replay.difference() } : this.report;
  }
}

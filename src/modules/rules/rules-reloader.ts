import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import { systemClock } from '../../actors/clock.js';
import { Correlator } from '../../actors/correlator.js';
import { RuleError } from '../../correlation/rules.js';
import { AuditTrail, type AuditRecord } from '../audit/audit-trail.js';
import { CorralConfig } from '../config/corral-config.js';
import { LOADED_RULES } from '../runtime/tokens.js';
import { loadRulesFingerprinted, ruleVersions, shippedRulesDir, type LoadedRules } from './rule-files.js';

/** Who asked for a load: an admin over the API, the operator's SIGHUP, or a file that changed. */
export type ReloadTrigger = Pick<AuditRecord, 'actor' | 'actorKind' | 'role'>;

export interface RulesInForce {
  sha256: string;
  files: Array<{ file: string; sha256: string }>;
  rules: string[];
  loadedAt: string;
  loadedBy: string;
}

export type ReloadResult = ({ outcome: 'loaded' | 'unchanged' } & RulesInForce) | { outcome: 'refused'; problems: string[]; inForce: RulesInForce };

/** Several writes of one save (an editor's temp file, then the rename) are one change. */
const SETTLE_MS = 500;

/**
 * Rules change without a restart: on `POST /v1/rules/reload` (admins), on SIGHUP, and when a file
 * in a rules directory changes. A new set is compiled and checked whole before it replaces the old
 * one between two batches (Correlator.replaceRules); a set that does not compile is refused,
 * naming file, rule and field, and the old one stays in force. Every attempt is on the audit trail
 * (`rules.loaded`, or `rules.refused` with the problems): who, which files, the content hash and
 * the rule versions.
 */
@Injectable()
export class RulesReloader implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Rules');
  private readonly dirs: string;
  private readonly tokenKey: string;
  private inForce: RulesInForce;
  private readonly watchers: FSWatcher[] = [];
  private settle: NodeJS.Timeout | undefined;
  private readonly onHangup = () => void this.reload({ actor: 'signal:SIGHUP', actorKind: 'system' }).catch((error: unknown) => this.logger.error(`reload on SIGHUP failed: ${String(error)}`));
  /** One load at a time: a second request waits for the first and then reads the files again. */
  private loading: Promise<unknown> = Promise.resolve();

  constructor(
    config: CorralConfig,
    private readonly correlator: Correlator,
    private readonly audit: AuditTrail,
    @Inject(LOADED_RULES) loaded: LoadedRules,
  ) {
    this.dirs = config.rulesDir ?? shippedRulesDir();
    this.tokenKey = config.tokenKey;
    // What the runtime was started with: the very load the correlator runs, not a second read of the files.
    this.inForce = { sha256: loaded.sha256, files: loaded.files, rules: ruleVersions(loaded.rules), loadedAt: systemClock.now().toISOString(), loadedBy: 'start-up' };
  }

  onApplicationBootstrap(): void {
    process.on('SIGHUP', this.onHangup);
    for (const dir of this.dirs.split(delimiter).filter(Boolean)) {
      try {
        // Not persistent: a watcher never keeps corral from exiting.
        const watcher = watch(resolve(dir), { persistent: false }, (_event, name) => {
          if (name && !/\.ya?ml$/.test(name)) return;
          clearTimeout(this.settle);
          this.settle = setTimeout(() => void this.reload({ actor: 'file-change', actorKind: 'system' }).catch((error: unknown) => this.logger.error(`reload on file change failed: ${String(error)}`)), SETTLE_MS);
        });
        watcher.on('error', (error) => this.logger.warn(`stopped watching ${dir} for rule changes (${error.message}); SIGHUP or POST /v1/rules/reload still reload`));
        this.watchers.push(watcher);
      } catch (error) {
        this.logger.warn(`cannot watch ${dir} for rule changes (${(error as Error).message}); SIGHUP or POST /v1/rules/reload still reload`);
      }
    }
  }

  onModuleDestroy(): void {
    process.off('SIGHUP', this.onHangup);
    clearTimeout(this.settle);
    for (const watcher of this.watchers) watcher.close();
  }

  current(): RulesInForce {
    return this.inForce;
  }

  reload(trigger: ReloadTrigger): Promise<ReloadResult> {
    const next = this.loading.then(() => this.load(trigger));
    this.loading = next.catch(() => undefined);
    return next;
  }

  private async load(trigger: ReloadTrigger): Promise<ReloadResult> {
    let loaded: ReturnType<typeof loadRulesFingerprinted>;
    try {
      loaded = loadRulesFingerprinted(this.dirs, this.tokenKey);
    } catch (error) {
      if (!(error instanceof RuleError)) throw error;
      this.logger.error(`rules not reloaded (${trigger.actor}); the rules in force stay: ${error.message}`);
      await this.record(trigger, 'rules.refused', 4, { dirs: this.dirs, problems: error.problems, inForce: this.inForce.sha256 });
      return { outcome: 'refused', problems: error.problems, inForce: this.inForce };
    }
    if (loaded.sha256 === this.inForce.sha256) return { outcome: 'unchanged', ...this.inForce };
    const previous = this.inForce.sha256;
    this.correlator.replaceRules(loaded.rules);
    this.inForce = { sha256: loaded.sha256, files: loaded.files, rules: ruleVersions(loaded.rules), loadedAt: systemClock.now().toISOString(), loadedBy: trigger.actor };
    this.logger.log(`rules reloaded (${trigger.actor}): ${this.inForce.rules.length} rules from ${this.dirs}, sha256 ${loaded.sha256.slice(0, 12)} (was ${previous.slice(0, 12)})`);
    await this.record(trigger, 'rules.loaded', 0, { dirs: this.dirs, files: loaded.files, sha256: loaded.sha256, previous, rules: this.inForce.rules });
    return { outcome: 'loaded', ...this.inForce };
  }

  private record(trigger: ReloadTrigger, action: string, outcome: AuditRecord['outcome'], detail: Record<string, unknown>): Promise<void> {
    return this.audit.record({ ...trigger, action, outcome, correlationId: `rules-${randomUUID()}`, detail });
  }
}

import type { Input } from '../correlation/inputs.js';
import { RuleError, type RuleSet } from '../correlation/rules.js';
import { loadConfig } from '../modules/config/corral-config.js';
import { InboxRepository } from '../modules/inbox/inbox.repository.js';
import { Replay, type ReplayDifference } from '../modules/rules/evaluation/replay.js';
import { loadRules, shippedRulesDir } from '../modules/rules/rule-files.js';
import type { CommonOptions } from './common-options.js';
import { openDatabase } from './open-database.js';
import { printJson, printResult, Progress } from './progress.js';
import { UsageError } from './usage-error.js';

export interface ReplayRulesOptions extends CommonOptions {
  rules: string;
  from?: string;
  to?: string;
}

const PAGE = 1000;

function instant(text: string | undefined, name: string): Date | undefined {
  if (text === undefined) return undefined;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--${name} must be an ISO-8601 instant such as 2026-12-01T07:00:00Z`);
  return at;
}

function describe(d: ReplayDifference, inForceDirs: string, candidateDirs: string): string {
  const lines = [
    `${d.inputs} input(s), ${d.events} event(s) replayed through the rules in force (${inForceDirs}) and the candidate (${candidateDirs})`,
    '',
    `incidents       ${String(d.inForce.incidents).padStart(7)} → ${d.candidate.incidents}`,
    `tickets opened  ${String(d.inForce.ticketsOpened).padStart(7)} → ${d.candidate.ticketsOpened}`,
    `grouping        ${d.grouping.agreement === 1 ? 'the same' : `agreement ${d.grouping.agreement.toFixed(3)}: ${d.grouping.joined} pair(s) of events joined, ${d.grouping.split} split`}`,
  ];
  const changes = (title: string, list: ReplayDifference['routing']) =>
    list.length === 0 ? [`${title.padEnd(16)}the same`] : [`${title}:`, ...list.slice(0, 20).map((c) => `  ${String(c.events).padStart(6)} event(s)  ${c.from} → ${c.to}`), ...(list.length > 20 ? [`  … and ${list.length - 20} more`] : [])];
  return [...lines, ...changes('routing', d.routing), ...changes('priority', d.priority)].join('\n');
}

/**
 * `corral replay --rules <dirs> [--from] [--to]`: what a candidate rule set would have decided on
 * the history the inbox keeps (INBOX_RETENTION_MS, 8 days by default), beside what the rules in
 * force decide on it, in memory. Run it before a change goes live.
 */
export async function replayRules(options: ReplayRulesOptions): Promise<number> {
  const from = instant(options.from, 'from');
  const to = instant(options.to, 'to');
  const config = loadConfig();
  const inForceDirs = config.rulesDir ?? shippedRulesDir();
  let inForce: RuleSet;
  let candidate: RuleSet;
  try {
    // Under the deployment's token key, as the live correlator loads them: facilities the rules
    // name in words meet the tokens the inbox's events carry.
    inForce = loadRules(inForceDirs, config.tokenKey);
    candidate = loadRules(options.rules, config.tokenKey);
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const progress = new Progress(options.quiet === true || options.json === true);
  const db = await openDatabase(config);
  let difference: ReplayDifference;
  try {
    const inbox = new InboxRepository(db.dataSource);
    const total = await inbox.countReceivedBetween(from, to);
    progress.line(`replaying ${total} recorded input(s)${from ? ` from ${from.toISOString()}` : ''}${to ? ` to ${to.toISOString()}` : ''}`);
    const replay = new Replay(inForce, candidate);
    let done = 0;
    let position = 0;
    for (;;) {
      const rows = await inbox.receivedBetween(from, to, position, PAGE);
      if (rows.length === 0) break;
      for (const row of rows) {
        await replay.feed(JSON.parse(row.input) as Input, row.receivedAt);
        done++;
        progress.tick(() => `replayed ${done} of ${total}`);
      }
      position = rows[rows.length - 1]?.position ?? position;
    }
    difference = await replay.finish();
  } finally {
    await db.close();
  }
  if (options.json) await printJson({ rules: { inForce: inForceDirs, candidate: options.rules }, ...difference });
  else await printResult(describe(difference, inForceDirs, options.rules));
  return 0;
}

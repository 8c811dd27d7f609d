import { readFileSync } from 'node:fs';
import { RuleError, type RuleSet } from '../correlation/rules.js';
import { runScenario, type ScenarioResult } from '../modules/rules/evaluation/evaluate.js';
import { readScenarios, ScenarioError, type Scenario } from '../modules/rules/evaluation/scenario.js';
import { belowFloor, totalOf, type Floor, type Score } from '../modules/rules/evaluation/score.js';
import { loadRules, shippedRulesDir } from '../modules/rules/rule-files.js';
import type { CommonOptions } from './common-options.js';
import { printJson, printResult, Progress } from './progress.js';

export interface EvalOptions extends CommonOptions {
  rules?: string;
  floor?: string;
  /** Print each scenario's incidents beside the truth. */
  incidents?: boolean;
  quiet?: boolean;
}

const pct = (x: number) => x.toFixed(3);

function row(name: string, s: Score): string {
  const oneTicket = `${s.exactlyOneTicket}/${s.realIncidents}`;
  return `| ${name} | ${s.events} | ${s.realIncidents} | ${s.groups} | ${pct(s.precision)} | ${pct(s.recall)} | ${pct(s.f1)} | ${pct(s.routing)} | ${s.ticketsOpened} | ${oneTicket} |`;
}

/** The table the README shows: one row per scenario and the total. */
export function table(results: readonly ScenarioResult[], total: Score): string {
  return [
    '| scenario | events | real incidents | corral incidents | precision | recall | F1 | routing | tickets opened | exactly one ticket |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map((r) => row(r.scenario.name, r.score)),
    row('**all**', total),
  ].join('\n');
}

function incidentLines(result: ScenarioResult): string[] {
  return [
    `\n${result.scenario.name}:`,
    ...result.incidents.map((i) => {
      const truth = Object.entries(i.truth).map(([name, n]) => `${name}×${n}`).join(' ') || 'no events of its own';
      return `  ${i.id.slice(0, 8)} [${i.signature}] ${i.system}@${i.facilities.join(',') || '-'} → ${i.queue} ${i.status}${i.parent ? ` (under ${i.parent.slice(0, 8)})` : ''} tickets ${i.ticketsOpened}: ${truth}`;
    }),
    ...(result.score.withSeveralTickets.length > 0 ? [`  several tickets: ${result.score.withSeveralTickets.join(', ')}`] : []),
    ...(result.score.withoutTicket.length > 0 ? [`  no ticket: ${result.score.withoutTicket.join(', ')}`] : []),
  ];
}

/**
 * `corral eval [dir]`: labeled storms through the adapters and the correlator with the rules under
 * test, scored against the truth. Exits 1 when a scenario is refused or a figure falls below the
 * floor, so it can gate a rules change in CI.
 */
export async function evaluate(dir: string, options: EvalOptions): Promise<number> {
  // Scenarios are written in UTC, and a Mirth alert's date carries no zone (the adapter reads it in
  // the process's own): the same scenario must score the same on every machine.
  process.env.TZ = 'UTC';
  const progress = new Progress(options.quiet === true || options.json === true);
  let rules: RuleSet;
  let scenarios: Scenario[];
  let floor: Floor = {};
  try {
    rules = loadRules(options.rules);
    scenarios = readScenarios(dir);
    if (options.floor) floor = JSON.parse(readFileSync(options.floor, 'utf8')) as Floor;
  } catch (error) {
    if (!(error instanceof RuleError) && !(error instanceof ScenarioError) && !(error instanceof SyntaxError) && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    process.stderr.write(`${(error as Error).message}\n${error instanceof RuleError ? '' : `(scenarios: ${dir}; rules: ${options.rules ?? shippedRulesDir()})\n`}`);
    return 1;
  }
  const results: ScenarioResult[] = [];
  for (const [index, scenario] of scenarios.entries()) {
    const result = await runScenario(scenario, rules);
    results.push(result);
    progress.line(`[${index + 1}/${scenarios.length}] ${scenario.name}: ${result.score.events} events, F1 ${pct(result.score.f1)}`);
  }
  const total = totalOf(results.map((r) => r.score));
  const refused = results.flatMap((r) => r.refused);
  const below = belowFloor(total, floor);
  if (options.json) {
    await printJson({
      total,
      scenarios: results.map((r) => ({ name: r.scenario.name, file: r.scenario.file, classes: r.scenario.classes, score: r.score, ...(options.incidents ? { incidents: r.incidents } : {}) })),
      refused,
      belowFloor: below,
    });
  } else {
    await printResult(
      [
        table(results, total),
        ...(options.incidents ? results.flatMap(incidentLines) : []),
        ...(refused.length > 0 ? ['', 'refused items (fix the scenario, or the adapter that stopped taking it):', ...refused.map((r) => `  ${r}`)] : []),
        ...(below.length > 0 ? ['', `below the floor in ${options.floor}:`, ...below.map((b) => `  ${b}`)] : []),
      ].join('\n'),
    );
  }
  return refused.length > 0 || below.length > 0 ? 1 : 0;
}

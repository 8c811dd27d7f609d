import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { compare, parseCases, type RuleCase } from '../correlation/rule-cases.js';
import { RuleError, type RuleSet } from '../correlation/rules.js';
import { runCase } from '../actors/simulation.js';
import { loadRules, shippedRulesDir } from '../modules/rules/rule-files.js';
import type { CommonOptions } from './common-options.js';
import { printJson, printResult } from './progress.js';

export interface RulesTestOptions extends CommonOptions {
  rules?: string;
}

/** A rules file that does not hold is the command's answer, not a crash: it names file, rule and field. */
async function refused(error: unknown, json: boolean | undefined, dir: string): Promise<number> {
  if (!(error instanceof RuleError)) throw error;
  if (json) await printJson({ dir, valid: false, error: error.message });
  else process.stderr.write(`${error.message}\n`);
  return 1;
}

/** `corral rules check [dir]`: rules are reviewed like code. */
export async function check(dir: string | undefined, options: CommonOptions): Promise<number> {
  const at = dir ?? shippedRulesDir();
  let rules: RuleSet;
  try {
    rules = loadRules(at);
  } catch (error) {
    return refused(error, options.json, at);
  }
  const sections = Object.entries(rules as unknown as Record<string, Array<{ id: string; version: number }>>).filter(([, list]) => Array.isArray(list)).map(([section, list]) => ({ section, rules: list.map((r) => `${r.id}@${r.version}`) }));
  if (options.json) await printJson({ dir: at, valid: true, sections: Object.fromEntries(sections.map((s) => [s.section, s.rules])) });
  else await printResult([`${at}: valid`, ...sections.map((s) => `  ${s.section.padEnd(13)} ${s.rules.length}  ${s.rules.join(', ')}`)].join('\n'));
  return 0;
}

/** `corral rules test <cases>`: cases that fail before a rule change and pass after it. */
export async function test(file: string, options: RulesTestOptions): Promise<number> {
  let rules: RuleSet;
  let cases: RuleCase[];
  try {
    rules = loadRules(options.rules);
    const text = readFileSync(file, 'utf8');
    cases = parseCases(file.endsWith('.json') ? JSON.parse(text) : parse(text), file);
  } catch (error) {
    return refused(error, options.json, options.rules ?? shippedRulesDir());
  }
  const results: Array<{ name: string; failures: string[] }> = [];
  for (const [index, ruleCase] of cases.entries()) {
    const failures = compare(ruleCase.expect, await runCase(rules, ruleCase));
    results.push({ name: ruleCase.name, failures });
    if (!options.json) await printResult([`[${index + 1}/${cases.length}] ${failures.length === 0 ? '✓' : '✗'} ${ruleCase.name}`, ...failures.map((f) => `      ${f}`)].join('\n'));
  }
  const failed = results.filter((r) => r.failures.length > 0).length;
  if (options.json) await printJson({ passed: results.length - failed, failed, cases: results });
  else await printResult(`\n${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

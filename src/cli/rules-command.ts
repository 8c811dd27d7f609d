import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { compare, parseCases, type RuleCase } from '../correlation/rule-cases.js';
import { RuleError, type RuleSet } from '../correlation/rules.js';
import { runCase } from '../correlation/simulation.js';
import { loadRules, shippedRulesDir } from '../modules/rules/rule-files.js';

const USAGE = `usage:
  npm run corral -- rules check [dir]                     validate a rules directory (default: config/rules)
  npm run corral -- rules test <cases.yaml> [--rules dir] run rule cases against a rules directory`;

/** `corral rules check|test`: rules are reviewed like code, with cases that fail before and pass after. */
export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === 'check') return check(rest[0]);
    if (sub === 'test' && rest[0]) return await test(rest[0], option(rest, '--rules'));
  } catch (error) {
    if (error instanceof RuleError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  console.error(USAGE);
  return 2;
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

function check(dir = shippedRulesDir()): number {
  const rules = loadRules(dir);
  console.log(`${dir}: valid`);
  for (const [section, list] of Object.entries(rules as unknown as Record<string, Array<{ id: string; version: number }>>)) {
    console.log(`  ${section.padEnd(13)} ${list.length}  ${list.map((r) => `${r.id}@${r.version}`).join(', ')}`);
  }
  return 0;
}

async function test(file: string, dir?: string): Promise<number> {
  const rules: RuleSet = loadRules(dir);
  const text = readFileSync(file, 'utf8');
  const cases: RuleCase[] = parseCases(file.endsWith('.json') ? JSON.parse(text) : parse(text), file);
  let failed = 0;
  for (const [index, ruleCase] of cases.entries()) {
    const failures = compare(ruleCase.expect, await runCase(rules, ruleCase));
    const mark = failures.length === 0 ? '✓' : '✗';
    console.log(`[${index + 1}/${cases.length}] ${mark} ${ruleCase.name}`);
    for (const failure of failures) console.log(`      ${failure}`);
    if (failures.length > 0) failed += 1;
  }
  console.log(`\n${cases.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

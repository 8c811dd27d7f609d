import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { compileRules, RuleError, type RuleSet, type RuleSource } from '../../correlation/rules.js';

/** config/rules of the corral installation itself, wherever the process was started from. */
export function shippedRulesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'config', 'rules');
}

/**
 * Reads every *.yaml / *.yml file of one or more directories (separated like PATH; files sorted
 * within each, so rule order is stable) and compiles them together: a site can keep the shipped
 * rules and add a directory of its own.
 */
export function loadRules(dirs: string = shippedRulesDir()): RuleSet {
  const problems: string[] = [];
  const sources: RuleSource[] = [];
  for (const dir of dirs.split(delimiter).filter(Boolean)) sources.push(...readDirectory(resolve(dir), problems));
  if (problems.length > 0) throw new RuleError(problems);
  return compileRules(sources);
}

function readDirectory(root: string, problems: string[]): RuleSource[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    problems.push(`${root}: no such directory (set CORRAL_RULES_DIR to your rules directory)`);
    return [];
  }
  const files = readdirSync(root).filter((name) => /\.ya?ml$/.test(name)).sort();
  if (files.length === 0) problems.push(`${root}: holds no .yaml rule files`);
  const sources: RuleSource[] = [];
  for (const name of files) {
    const file = relative(process.cwd(), join(root, name)) || name;
    const document = parseDocument(readFileSync(join(root, name), 'utf8'));
    if (document.errors.length > 0) {
      problems.push(...document.errors.map((error) => `${file}: ${error.message.split('\n')[0]}`));
      continue;
    }
    sources.push({ file, document: document.toJS() as unknown });
  }
  return sources;
}

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { withFacilityTokens } from '../../correlation/names.js';
import { codeToken } from '../../correlation/privacy.js';
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
export function loadRules(dirs: string = shippedRulesDir(), tokenKey?: string): RuleSet {
  return loadRulesFingerprinted(dirs, tokenKey).rules;
}

/** A loaded rule set with what it was loaded from: each file and a SHA-256 over their names and bytes, in load order. */
export interface LoadedRules {
  rules: RuleSet;
  files: Array<{ file: string; sha256: string }>;
  sha256: string;
}

/**
 * `tokenKey`: the deployment's token key, so that facilities the rules name in words also match the
 * tokens the privacy filter makes of them (names.ts, `withFacilityTokens`).
 */
export function loadRulesFingerprinted(dirs: string = shippedRulesDir(), tokenKey?: string): LoadedRules {
  const problems: string[] = [];
  const sources: Array<RuleSource & { bytes: Buffer }> = [];
  for (const [layer, dir] of dirs.split(delimiter).filter(Boolean).entries()) sources.push(...readDirectory(resolve(dir), problems).map((source) => ({ ...source, layer })));
  if (problems.length > 0) throw new RuleError(problems);
  const compiled = compileRules(sources);
  const rules = tokenKey === undefined ? compiled : withFacilityTokens(compiled, (value) => codeToken(tokenKey, value));
  const whole = createHash('sha256');
  const files = sources.map(({ file, bytes }) => {
    whole.update(`${file}\0${bytes.length}\0`).update(bytes);
    return { file, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  return { rules, files, sha256: whole.digest('hex') };
}

/** Every rule as `id@version`, section by section: what a load put in force. */
export function ruleVersions(rules: RuleSet): string[] {
  return Object.values(rules as unknown as Record<string, unknown>).flatMap((list) => (Array.isArray(list) ? (list as Array<{ id: string; version: number }>).map((r) => `${r.id}@${r.version}`) : []));
}

function readDirectory(root: string, problems: string[]): Array<RuleSource & { bytes: Buffer }> {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    problems.push(`${root}: no such directory (set CORRAL_RULES_DIR to your rules directory)`);
    return [];
  }
  const files = readdirSync(root).filter((name) => /\.ya?ml$/.test(name)).sort();
  if (files.length === 0) problems.push(`${root}: holds no .yaml rule files`);
  const sources: Array<RuleSource & { bytes: Buffer }> = [];
  for (const name of files) {
    const file = relative(process.cwd(), join(root, name)) || name;
    const bytes = readFileSync(join(root, name));
    const document = parseDocument(bytes.toString('utf8'));
    if (document.errors.length > 0) {
      problems.push(...document.errors.map((error) => `${file}: ${error.message.split('\n')[0]}`));
      continue;
    }
    sources.push({ file, document: document.toJS() as unknown, bytes });
  }
  return sources;
}

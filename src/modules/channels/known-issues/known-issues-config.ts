/** The `knownIssues:` section of the channels file. */
export interface KnownIssuesConfig {
  placeholder?: never;
}

export const DEFAULT_KNOWN_ISSUES: KnownIssuesConfig = {};

export function parseKnownIssuesSection(raw: unknown, _env: NodeJS.ProcessEnv, problems: string[]): KnownIssuesConfig {
  if (raw === undefined) return DEFAULT_KNOWN_ISSUES;
  problems.push('knownIssues: not built yet');
  return DEFAULT_KNOWN_ISSUES;
}

/** The `slack:` and `teams:` sections of the channels file. */
export interface SlackChannelConfig {
  placeholder?: never;
}
export interface TeamsChannelConfig {
  placeholder?: never;
}

export function parseChatSections(slack: unknown, teams: unknown, _env: NodeJS.ProcessEnv, problems: string[]): { slack?: SlackChannelConfig; teams?: TeamsChannelConfig } {
  if (slack !== undefined) problems.push('slack: not built yet');
  if (teams !== undefined) problems.push('teams: not built yet');
  return {};
}

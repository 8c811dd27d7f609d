/** The `email:` section of the channels file (a shared mailbox read over IMAP). */
export interface EmailChannelConfig {
  placeholder?: never;
}

export function parseEmailSection(raw: unknown, _env: NodeJS.ProcessEnv, problems: string[]): EmailChannelConfig | undefined {
  if (raw === undefined) return undefined;
  problems.push('email: not built yet');
  return undefined;
}

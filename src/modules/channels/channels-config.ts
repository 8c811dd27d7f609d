import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseChatSections, type SlackChannelConfig, type TeamsChannelConfig } from './chat/chat-config.js';
import { parseEmailSection, type EmailChannelConfig } from './email/email-config.js';
import { parseFhirSubscriptionSection, type FhirSubscriptionConfig } from './fhir/fhir-subscription-config.js';
import { parseFileDropsSection, type FileDropConfig } from './file-drop/file-drop-config.js';
import { parseKnownIssuesSection, type KnownIssuesConfig, DEFAULT_KNOWN_ISSUES } from './known-issues/known-issues-config.js';

/**
 * Where clinicians and systems already report (README "Channels"): each section of the channels
 * file turns one of them on. A section's parser pushes what is wrong with it onto `problems`, each
 * naming its key, so one start-up error lists every mistake in the file.
 */
export interface ChannelsConfig {
  email?: EmailChannelConfig;
  slack?: SlackChannelConfig;
  teams?: TeamsChannelConfig;
  fhirSubscription?: FhirSubscriptionConfig;
  fileDrops: FileDropConfig[];
  knownIssues: KnownIssuesConfig;
}

export const NO_CHANNELS: ChannelsConfig = { fileDrops: [], knownIssues: DEFAULT_KNOWN_ISSUES };

const SECTIONS = ['email', 'slack', 'teams', 'fhirSubscription', 'fileDrops', 'knownIssues'];

export class ChannelsConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

/** Reads and checks the channels file; without one, no channel but the known-issues page (which needs none). */
export function loadChannelsConfig(file: string | undefined, env: NodeJS.ProcessEnv): ChannelsConfig {
  if (file === undefined) return NO_CHANNELS;
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ChannelsConfigError([`cannot read ${file}: ${(error as Error).message}`]);
  }
  if (raw === null || raw === undefined) return NO_CHANNELS;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ChannelsConfigError([`${file} must be a mapping of channel sections (${SECTIONS.join(', ')})`]);
  const doc = raw as Record<string, unknown>;
  const problems = Object.keys(doc)
    .filter((key) => !SECTIONS.includes(key))
    .map((key) => `unknown section "${key}" (sections: ${SECTIONS.join(', ')})`);
  const email = parseEmailSection(doc.email, env, problems);
  const { slack, teams } = parseChatSections(doc.slack, doc.teams, env, problems);
  const fhirSubscription = parseFhirSubscriptionSection(doc.fhirSubscription, env, problems);
  const fileDrops = parseFileDropsSection(doc.fileDrops, problems);
  const knownIssues = parseKnownIssuesSection(doc.knownIssues, env, problems);
  if (problems.length > 0) throw new ChannelsConfigError(problems);
  return {
    ...(email ? { email } : {}),
    ...(slack ? { slack } : {}),
    ...(teams ? { teams } : {}),
    ...(fhirSubscription ? { fhirSubscription } : {}),
    fileDrops,
    knownIssues,
  };
}

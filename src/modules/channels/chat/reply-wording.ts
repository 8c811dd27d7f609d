import { wardTime } from '../channel-settings.js';

/**
 * What corral says back in a chat: plain words from the incident's system, sites, priority, status
 * and first sighting. Never its title (a report can open an incident, and then the title is what
 * that person wrote), never another reporter, never anything the message said.
 */

/** An incident as a reply describes it. */
export interface Described {
  /** The system as people name it ("Epic"); absent when the problem names none. */
  system?: string;
  priority: string;
  status: string;
  /** When corral first saw the problem (ISO). */
  since: string;
  /** People who reported it. */
  reporters: number;
  facilities: readonly string[];
}

export interface Speaking {
  timeZone: string;
  now: Date;
}

export const PENDING_REPLY = 'Thanks — your report is logged; corral is matching it.';
export const REFUSED_REPLY = 'corral could not log this as a report. Please call the service desk.';
export const FAILED_REPLY = 'corral could not log your report just now. Please try again in a minute, or call the service desk.';
export const ALREADY_REPLY = 'This thread is already logged with corral — thanks.';
export const MENTION_USAGE = 'Tell corral what is wrong, for example “@corral Epic is frozen on 4 West”.';
export const COMMAND_USAGE = 'Usage: `/corral status [system]` lists the problems corral is working on (for this channel’s site, if it has one); `/corral help` shows this line.';

const STATUS_WORDS: Readonly<Record<string, string>> = {
  open: 'being worked on',
  acknowledged: 'acknowledged by the team',
  flapping: 'coming and going',
  resolved: 'marked resolved',
  merged: 'merged into another incident',
};

/** 1st 2nd 3rd 4th … 11th 12th 13th … 21st 22nd … 111th. */
export function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

export function statusWords(status: string): string {
  return STATUS_WORDS[status] ?? status;
}

/** The reply to the person whose report joined `incident`: their own place in the count, exact. */
export function joinedReply(incident: Described, speaking: Speaking): string {
  const sentences = [
    ...(incident.reporters >= 1 ? [`You are the ${ordinal(incident.reporters)} person to report this.`] : []),
    `corral has known since ${clockTime(incident.since, speaking)} (${speaking.timeZone}).`,
    `${subject(incident)} — ${incident.priority}, ${statusWords(incident.status)}.`,
  ];
  return sentences.join(' ');
}

/** How many people reported someone else's problem: under `threshold`, only that it is few. */
export function peopleReporting(count: number, threshold: number): string | undefined {
  if (count < 1) return undefined;
  return count < threshold ? `fewer than ${threshold} people reporting` : `${count} people reporting`;
}

/** One line of `/corral status`: "P1 Epic at lakeside, overlake — since 07:02, 31 people reporting". */
export function statusLine(incident: Described, speaking: Speaking, threshold: number): string {
  const details = [`since ${clockTime(incident.since, speaking)}`, peopleReporting(incident.reporters, threshold), incident.status === 'open' ? undefined : statusWords(incident.status)];
  return `${incident.priority} ${subject(incident)} — ${details.filter((d) => d !== undefined).join(', ')}`;
}

/** The whole `/corral status` answer: at most `limit` lines, the most urgent first as given. */
export function statusAnswer(active: readonly Described[], scope: { facility?: string; system?: string }, speaking: Speaking, threshold: number, limit = 10): string {
  const where = `${scope.system ? ` on ${scope.system}` : ''}${scope.facility ? ` at ${scope.facility}` : ''}`;
  if (active.length === 0) return `No active problems${where} that corral knows of.`;
  const lines = active.slice(0, limit).map((incident) => `• ${statusLine(incident, speaking, threshold)}`);
  const more = active.length > limit ? [`…and ${active.length - limit} more.`] : [];
  return [`Active problems${where} (${active.length}; times are ${speaking.timeZone}):`, ...lines, ...more].join('\n');
}

/** "Epic at lakeside, overlake": the system and at most three sites. */
function subject(incident: Described): string {
  const name = incident.system ?? 'This problem';
  const sites = incident.facilities.slice(0, 3).join(', ');
  const others = incident.facilities.length > 3 ? ` and ${incident.facilities.length - 3} more sites` : '';
  return sites === '' ? name : `${name} at ${sites}${others}`;
}

/** "07:02" today in the zone; "Tue 24 Nov 07:02" on another day. */
export function clockTime(iso: string, { timeZone, now }: Speaking): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? 'earlier' : wardTime(at, now, timeZone);
}

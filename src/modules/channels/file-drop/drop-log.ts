import { scrubText } from '../../../correlation/scrub.js';

// How a drop's log lines name files and errors: never a file's content, and a file's name only as
// the scrubber leaves it.

export interface DropLogger {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * A file's name as logs show it: senders name files by accession, MRN or patient now and then, so
 * the sender's part is scrubbed; corral's own prefix (`<n>-<stamp>-`, drop-folder.ts) is kept, as
 * the scrubber would take the stamp for an id and leave the file unfindable.
 */
export function shown(name: string): string {
  const [, prefix = '', given = name] = /^((?:\d+-)?\d{8}T\d{6}\.\d{3}Z-)?(.*)$/s.exec(name) ?? [];
  return `${prefix}${scrubText(given)}`;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? scrubText(`${error.name}: ${error.message}`) : 'unknown error';
}

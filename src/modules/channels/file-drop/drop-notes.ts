import type { Refusal } from './drop-file.js';

// The notes corral leaves beside a file it moved: for the person who looks into failed/ or done/.
// They name places in the file (line and message numbers) and the intake's reasons, which are
// already free of content, and never quote the file: it may hold patient data.

/** Beside a file in failed/: why nothing of it was taken. */
export const REASON_NOTE_SUFFIX = '.reason.txt';
/** Beside a file in done/: what of it was refused. It goes when its file goes (done-retention.ts). */
export const REFUSED_NOTE_SUFFIX = '.refused.txt';

/** A list longer than this is cut: a note for a million bad rows helps no one more than its first thousand. */
const MAX_LISTED = 1000;

export interface NoteContext {
  /** The file's name as it now stands in done/ or failed/. */
  file: string;
  drop: string;
  dir: string;
}

/** `<file>.reason.txt` beside a file in failed/: why nothing of it was taken, and what to do. */
export function failureNote(context: NoteContext, reason: string, refused: readonly Refusal[] = []): string {
  return [
    `corral took nothing from ${context.file} (file drop "${context.drop}").`,
    '',
    `Why: ${reason}`,
    '',
    `What to do: correct the file, or have the sending system correct its output, then move the file`,
    `(without the timestamp prefix, if you like) back into ${context.dir}; corral takes it again.`,
    'Events of it that corral took before are recognised and not taken twice.',
    ...listing(refused),
  ].join('\n');
}

/** `<file>.refused.txt` beside a file in done/ of which some messages or rows were refused. */
export function refusedNote(context: NoteContext, refused: readonly Refusal[], summary: string): string {
  return [
    `corral took ${context.file} (file drop "${context.drop}") but for ${refused.length} message(s) or row(s) it refused.`,
    '',
    `Summary: ${summary}`,
    '',
    'What to do: the rest of the file is in corral. To send the refused ones again, correct them and put them',
    `alone in a new file into ${context.dir}.`,
    ...listing(refused),
  ].join('\n');
}

function listing(refused: readonly Refusal[]): string[] {
  if (refused.length === 0) return [''];
  const shown = refused.slice(0, MAX_LISTED).map((r) => `  ${r.at}: ${r.reason}`);
  const more = refused.length - shown.length;
  return ['', 'Refused (by place in the file; their content is not repeated here, as it may hold patient data):', ...shown, ...(more > 0 ? [`  … and ${more} more`] : []), ''];
}

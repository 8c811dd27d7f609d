import { claimedAt, type ListedFile } from './drop-folder.js';
import { REFUSED_NOTE_SUFFIX } from './drop-notes.js';

// Which files of done/ have been kept long enough (keepDone). Pure: the rule is read, and tested,
// on plain values; done-sweeper.ts lists and deletes.

/** Now, on each of the two clocks a file's age is read from. */
export interface SweepNow {
  /** corral's Clock: it stamped a claimed file's name. */
  clock: Date;
  /** The file system's: it wrote a file's modification time. */
  wall: Date;
}

/**
 * The names in done/ to delete: files taken `keepMs` or longer ago. A file is aged from the stamp
 * corral put before its name when it claimed it, which is when it was taken (a move keeps the
 * sender's modification time, which may be far older); a file without one, put there by hand, by its
 * modification time. A `.refused.txt` note goes and stays with its file, and is aged alone when that is gone.
 */
export function expiredInDone(files: readonly ListedFile[], keepMs: number, now: SweepNow): string[] {
  const byName = new Map(files.map((file) => [file.name, file]));
  const expired = (file: ListedFile): boolean => {
    // 0 is "keep nothing": also a file whose stamp or time is ahead of this host's clock.
    if (keepMs === 0) return true;
    const stamped = claimedAt(file.name);
    const age = stamped ? now.clock.getTime() - stamped.getTime() : now.wall.getTime() - file.mtimeMs;
    return age >= keepMs;
  };
  return files
    .filter((file) => {
      const noteOf = file.name.endsWith(REFUSED_NOTE_SUFFIX) ? byName.get(file.name.slice(0, -REFUSED_NOTE_SUFFIX.length)) : undefined;
      return expired(noteOf ?? file);
    })
    .map((file) => file.name);
}

/** `7d`, `36h`, `90m`, `0`: a keepDone as an operator writes it, for log lines. */
export function durationText(ms: number): string {
  if (ms === 0) return '0';
  const units = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const;
  for (const [unit, size] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

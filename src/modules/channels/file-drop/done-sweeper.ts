import { join } from 'node:path';
import { systemClock, type Clock } from '../../../actors/clock.js';
import { durationText, expiredInDone } from './done-retention.js';
import type { DropFolder, ListedFile } from './drop-folder.js';
import { errorText, shown, type DropLogger } from './drop-log.js';
import type { FileDropConfig } from './file-drop-config.js';

/** done/ is swept this often, besides at start. */
const SWEEP_DONE_MS = 3_600_000;

/**
 * Holds done/ to `keepDone`: a sweep at start and every hour deletes the files taken longer ago
 * (done-retention.ts), their notes with them, and logs one line: how many, never what they held.
 * failed/ is never swept: a person has to look at what is there.
 */
export class DoneSweeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly drop: FileDropConfig,
    private readonly folder: DropFolder,
    private readonly clock: Clock,
    private readonly logger: DropLogger,
  ) {}

  /** The first sweep runs beside the start, not before it: a done/ of years of files must not hold corral up. */
  start(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), SWEEP_DONE_MS).unref();
  }

  /** Clears the timer and waits for a sweep under way, which stops at its next file. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One sweep; while one is under way, that one. Never throws: a failed sweep is logged and tried again in an hour. */
  sweep(): Promise<void> {
    this.sweeping ??= this.pass().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private get label(): string {
    return `file drop ${this.drop.name}`;
  }

  private async pass(): Promise<void> {
    const where = join(this.drop.dir, 'done');
    const keep = `keepDone: ${durationText(this.drop.keepDoneMs)}`;
    let files: ListedFile[];
    try {
      files = await this.folder.done();
    } catch (error) {
      this.logger.warn(`${this.label}: cannot list ${where} to delete what is older than ${keep} (${codeOf(error)}); tried again in an hour. Check that corral's user can read and write it`);
      return;
    }
    // Read after the listing: a file taken meanwhile is younger than now, never older.
    const expired = expiredInDone(files, this.drop.keepDoneMs, { clock: this.clock.now(), wall: systemClock.now() });
    let removed = 0;
    let failures = 0;
    let firstFailure: string | undefined;
    let left = expired.length;
    for (const name of expired) {
      if (this.stopping) break;
      left -= 1;
      try {
        if (await this.folder.remove(name)) removed += 1;
      } catch (error) {
        failures += 1;
        firstFailure ??= `${shown(name)}: ${codeOf(error)}`;
      }
    }
    const swept = `${this.label}: deleted ${removed} file(s) from done/ older than ${keep}${left > 0 ? ' (stopped part-way; the rest at the next start)' : ''}`;
    if (failures === 0) this.logger.log(swept);
    else this.logger.warn(`${swept}; ${failures} could not be deleted (${firstFailure ?? ''}): give corral's user write access to ${where}, or delete them by hand, as they may hold patient data`);
  }
}

/** An fs error's code (EACCES, ENOENT): its message repeats the path, and a file's name may carry an identifier. */
function codeOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : errorText(error);
}

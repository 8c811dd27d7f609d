import { performance } from 'node:perf_hooks';
import { contentOf, fileDigest, type DropContent, type Refusal } from './drop-file.js';
import type { DropFolder, Outcome } from './drop-folder.js';
import { shown, type DropLogger } from './drop-log.js';
import { failureNote, REASON_NOTE_SUFFIX, REFUSED_NOTE_SUFFIX, refusedNote } from './drop-notes.js';
import type { FileDropConfig } from './file-drop-config.js';

/** What a drop needs of the intake (ChannelIntake.batch): a chunk durable whole, or a throw. */
export interface BatchIntake {
  batch(source: 'hl7' | 'canonical', items: readonly unknown[], correlationId: string): Promise<{ accepted: number; duplicates: number; ignored: number; refused: Array<{ index: number; reason: string }> }>;
}

/** A file larger than this is refused whole: it is read into memory, and no export of alerts is this big. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * One claimed file through the intake: read, split into messages or rows (drop-file.ts), taken a
 * chunk at a time, and moved to done/ (deleted, with keepDone 0) or failed/ only once every event
 * of it is durable, with a note beside it when something was refused. A log line per file: its
 * counts, never its content.
 */
export class FileTaker {
  constructor(
    private readonly drop: FileDropConfig,
    private readonly folder: DropFolder,
    private readonly intake: BatchIntake,
    private readonly logger: DropLogger,
  ) {}

  private get label(): string {
    return `file drop ${this.drop.name}`;
  }

  /**
   * Takes a claimed file whole and moves it to done/ or failed/; when `stopping()` says so between
   * two chunks, leaves it in processing/ instead. Throws when a chunk could not be committed: the
   * file stays in processing/, and taking it again later repeats nothing.
   */
  async take(claimed: string, stopping: () => boolean): Promise<void> {
    const started = performance.now();
    const file = await this.folder.read(claimed, MAX_FILE_BYTES).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!file) {
      this.logger.log(`${this.label}: ${shown(claimed)} left processing/ before corral read it (another corral took it)`);
      return;
    }
    const { bytes, mtimeMs } = file;
    if (!bytes) return this.finish(claimed, 'failed', `the file is ${file.size} bytes, more than corral takes from a drop folder (${MAX_FILE_BYTES}): split it into smaller files`);
    const digest = fileDigest(bytes);
    const content: DropContent = contentOf({ bytes, mtimeMs }, digest, this.drop);
    if (!content.ok) return this.finish(claimed, 'failed', content.reason);
    // One correlation id per file content: a file taken again (a restart, a re-drop) is traced as the same.
    const correlationId = `file-${this.drop.name}-${digest.slice(0, 16)}`;
    const counts = { accepted: 0, duplicates: 0, ignored: 0 };
    const refused: Refusal[] = [...content.refused];
    for (let start = 0; start < content.items.length; start += this.drop.chunk) {
      if (stopping()) {
        this.logger.log(`${this.label}: stopped part-way through ${shown(claimed)} (${start} of ${content.items.length} committed); it stays in processing/ and is taken again at the next start, without duplicates`);
        return;
      }
      const chunk = content.items.slice(start, start + this.drop.chunk);
      const outcome = await this.intake.batch(content.source, chunk.map((item) => item.body), correlationId);
      counts.accepted += outcome.accepted;
      counts.duplicates += outcome.duplicates;
      counts.ignored += outcome.ignored;
      refused.push(...outcome.refused.map(({ index, reason }) => ({ at: chunk[index]?.at ?? 'an item', line: chunk[index]?.line ?? 0, reason })));
    }
    refused.sort((a, b) => a.line - b.line);
    const what = content.source === 'hl7' ? 'message(s)' : 'row(s)';
    // Rows refused before the intake (a bad field count, an unreadable time) are rows of the file too.
    const summary = `${content.items.length + content.refused.length} ${what}: ${counts.accepted} taken, ${counts.duplicates} duplicate(s), ${counts.ignored} ignored (acknowledgements), ${refused.length} refused, in ${Math.round(performance.now() - started)} ms`;
    if (counts.accepted + counts.duplicates + counts.ignored === 0) {
      return this.finish(claimed, 'failed', `every message or row of the file was refused (${summary})`, refused);
    }
    await this.finish(claimed, 'done', summary, refused);
  }

  private async finish(claimed: string, outcome: Outcome, summary: string, refused: readonly Refusal[] = []): Promise<void> {
    const context = { file: claimed, drop: this.drop.name, dir: this.drop.dir };
    const note = outcome === 'failed' ? { suffix: REASON_NOTE_SUFFIX, text: failureNote(context, summary, refused) } : refused.length > 0 ? { suffix: REFUSED_NOTE_SUFFIX, text: refusedNote(context, refused, summary) } : undefined;
    // keepDone 0: nothing of a taken file is kept once its events are durable (its note quotes nothing of it).
    const discard = outcome === 'done' && this.drop.keepDoneMs === 0;
    const moved = discard ? await this.folder.discard(claimed, note) : await this.folder.finish(claimed, outcome, note);
    if (!moved) {
      this.logger.log(`${this.label}: ${shown(claimed)} was finished by another corral`);
      return;
    }
    const beside = note ? ` (see ${shown(claimed)}${note.suffix} ${discard ? 'in done/' : 'there'})` : '';
    if (outcome === 'failed') this.logger.warn(`${this.label}: ${shown(claimed)} moved to failed/${beside}: ${summary}`);
    else if (discard) this.logger.log(`${this.label}: ${shown(claimed)} taken and deleted (keepDone: 0)${beside}: ${summary}`);
    else this.logger.log(`${this.label}: ${shown(claimed)} moved to done/${beside}: ${summary}`);
  }
}

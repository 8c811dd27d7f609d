import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

export type Outcome = 'done' | 'failed';

/** The folders corral keeps inside a drop folder; files in them are corral's, never new drops. */
export const SUBFOLDERS = ['processing', 'done', 'failed'] as const;

/**
 * A name a sender gives a file it is still writing (SFTP and FTP clients, `rsync`, editors), or a
 * hidden one: never taken. The sender renames it when it is complete, and that name is taken.
 */
export function isInProgressName(name: string): boolean {
  return name.startsWith('.') || /\.(part|tmp|filepart)$/i.test(name);
}

/** `20261124T070000.000Z`: a UTC instant that sorts as text, to prefix a claimed file's name. */
export function stampOf(instant: Date): string {
  return instant.toISOString().replace(/[-:]/g, '');
}

/**
 * One drop folder on disk. Every move is a rename within the folder (one file system), which is
 * atomic: a file is in exactly one place at any moment, and of two corrals renaming the same file
 * into processing/ only one succeeds, so the rename is the lock. Files are never copied.
 */
export class DropFolder {
  constructor(readonly dir: string) {}

  path(where: (typeof SUBFOLDERS)[number], name: string): string {
    return join(this.dir, where, name);
  }

  /** Makes processing/, done/ and failed/; throws an error that says what to do when it cannot. */
  async prepare(): Promise<void> {
    for (const sub of SUBFOLDERS) {
      await mkdir(join(this.dir, sub), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot make ${join(this.dir, sub)} (${error.code ?? 'error'}): give corral's user write access to ${this.dir}`);
      });
    }
  }

  /** Files a stopped corral left in processing/, oldest claim first: to be taken again before new ones. */
  async claimed(): Promise<string[]> {
    const entries = await readdir(join(this.dir, 'processing'), { withFileTypes: true });
    return entries.filter((e) => e.isFile() && !isInProgressName(e.name)).map((e) => e.name).sort();
  }

  /** Files waiting in the folder itself (not in progress), by name. */
  async waiting(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && !isInProgressName(e.name)).map((e) => e.name).sort();
  }

  /**
   * Moves `name` into processing/ under `<stamp>-<name>` and answers that name; undefined when the
   * file is gone (another corral took it, or its sender removed it).
   */
  async claim(name: string, stamp: string): Promise<string | undefined> {
    const claimed = await this.freeName('processing', `${stamp}-${basename(name)}`);
    try {
      await rename(join(this.dir, name), this.path('processing', claimed));
      return claimed;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** A claimed file's size and time, and its bytes unless it is larger than `maxBytes` (it is not read then). */
  async read(claimed: string, maxBytes: number): Promise<{ size: number; mtimeMs: number; bytes?: Uint8Array }> {
    const path = this.path('processing', claimed);
    const { mtimeMs, size } = await stat(path);
    return size > maxBytes ? { size, mtimeMs } : { size, mtimeMs, bytes: await readFile(path) };
  }

  /**
   * Moves a claimed file to done/ or failed/, its note beside it (written first: a file is never
   * there without its reason). Answers false when the file was no longer in processing/ (another
   * corral finished it first).
   */
  async finish(claimed: string, outcome: Outcome, note?: { suffix: string; text: string }): Promise<boolean> {
    const name = await this.freeName(outcome, claimed);
    if (note) await writeFile(this.path(outcome, `${name}${note.suffix}`), note.text, 'utf8');
    try {
      await rename(this.path('processing', claimed), this.path(outcome, name));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** `name`, or `name` with a counter before it when that is taken (rename would replace the file there). */
  private async freeName(where: (typeof SUBFOLDERS)[number], name: string): Promise<string> {
    for (let n = 1; ; n += 1) {
      const candidate = n === 1 ? name : `${n}-${name}`;
      const taken = await stat(this.path(where, candidate)).then(
        () => true,
        () => false,
      );
      if (!taken) return candidate;
    }
  }
}

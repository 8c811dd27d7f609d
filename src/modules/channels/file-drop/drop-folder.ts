import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
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
 * When corral claimed a file, from the stamp it put before the name (after any `<n>-` a name taken
 * twice got, see freeName); undefined for a name without one, which corral did not give.
 */
export function claimedAt(name: string): Date | undefined {
  const stamp = /^(?:\d+-)*(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\.(\d{3})Z-/.exec(name);
  if (!stamp) return undefined;
  const [, year, month, day, hour, minute, second, milli] = stamp;
  const instant = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${milli}Z`);
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}

/** A file as listed in done/: its name and when it was last written. */
export interface ListedFile {
  name: string;
  mtimeMs: number;
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

  /** The files in done/ with their modification times (one removed meanwhile is left out). */
  async done(): Promise<ListedFile[]> {
    const entries = await readdir(join(this.dir, 'done'), { withFileTypes: true });
    const listed = await Promise.all(entries.filter((e) => e.isFile()).map(async ({ name }) => ({ name, stats: await stat(this.path('done', name)).catch(() => undefined) })));
    return listed.flatMap(({ name, stats }) => (stats ? [{ name, mtimeMs: stats.mtimeMs }] : []));
  }

  /** Deletes a file of done/; false when it was already gone (another corral's sweep). */
  async remove(name: string): Promise<boolean> {
    return unlink(this.path('done', name)).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
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

  /**
   * Deletes a claimed file whose events are all durable, instead of moving it to done/ (keepDone 0);
   * its note, which quotes nothing of it, is still left in done/. False as for finish.
   */
  async discard(claimed: string, note?: { suffix: string; text: string }): Promise<boolean> {
    if (note) await writeFile(this.path('done', await this.freeName('done', `${claimed}${note.suffix}`)), note.text, 'utf8');
    try {
      await unlink(this.path('processing', claimed));
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

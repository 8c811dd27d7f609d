import { stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { watch, type FSWatcher } from 'chokidar';
import type { Clock } from '../../../actors/clock.js';
import { DoneSweeper } from './done-sweeper.js';
import { DropFolder, isInProgressName, stampOf, SUBFOLDERS } from './drop-folder.js';
import { errorText, shown, type DropLogger } from './drop-log.js';
import type { FileDropConfig } from './file-drop-config.js';
import { FileTaker, type BatchIntake } from './file-taker.js';

/** A file that could not be taken (the database down, the inbox full) is tried again after 1 s, 2 s, 4 s … at most 5 minutes. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 5 * 60_000;
/** The folder is listed this often besides its watcher's events, which a busy or remote file system can drop. */
const SWEEP_MS = 60_000;

/** A file's size and time as last seen, and when (performance.now()). */
interface Seen {
  size: number;
  mtimeMs: number;
  at: number;
}

interface Entry {
  /** Its name in the folder, or in processing/ once claimed. */
  name: string;
  claimed: boolean;
  /**
   * Found by listing rather than by the watcher (which holds a file until its size settles): how
   * it was then. It is taken once it has stayed so for the settle time; files listed together
   * settle together, so a start with a thousand files waiting waits once, not a thousand times.
   */
  listed?: Seen;
}

/**
 * One drop folder, watched: files are taken one at a time, in the order they arrive, each claimed
 * by its rename into processing/ and then taken whole (FileTaker). Files a stopped corral left in
 * processing/ are taken first, from their start: their events' ids do not change (drop-file.ts),
 * so what was taken before is found as duplicates. A file that cannot be taken now (the database
 * down) is tried again with a growing pause, after the others. done/ is kept to keepDone (DoneSweeper).
 */
export class DropWorker {
  private readonly folder: DropFolder;
  private readonly taker: FileTaker;
  private readonly sweeper: DoneSweeper;
  private readonly queue: Entry[] = [];
  /** Names waiting in the folder itself (unclaimed), so the watcher and the sweep queue each once. */
  private readonly waiting = new Set<string>();
  private watcher: FSWatcher | undefined;
  private stopping = false;
  private wake: () => void = () => undefined;
  private running: Promise<void> = Promise.resolve();
  private failures = 0;

  constructor(
    private readonly drop: FileDropConfig,
    intake: BatchIntake,
    private readonly clock: Clock,
    private readonly logger: DropLogger,
  ) {
    this.folder = new DropFolder(drop.dir);
    this.taker = new FileTaker(drop, this.folder, intake, logger);
    this.sweeper = new DoneSweeper(drop, this.folder, clock, logger);
  }

  async start(): Promise<void> {
    await this.folder.prepare();
    const resumed = await this.folder.claimed();
    for (const name of resumed) this.queue.push({ name, claimed: true });
    if (resumed.length > 0) this.logger.log(`${this.label}: ${resumed.length} file(s) left in processing/ by a stop part-way are taken again first`);
    const inFolder = (path: string) => dirname(path) === this.drop.dir;
    const subfolders = SUBFOLDERS.map((s) => join(this.drop.dir, s));
    this.watcher = watch(this.drop.dir, {
      depth: 0,
      // The initial scan is not held by awaitWriteFinish: the sweep below lists those files and lets them settle.
      ignoreInitial: true,
      atomic: false,
      awaitWriteFinish: { stabilityThreshold: this.drop.settleMs, pollInterval: Math.min(100, this.drop.settleMs) },
      ...(this.drop.pollMs !== undefined ? { backend: 'polling' as const, pollingInterval: this.drop.pollMs } : {}),
      ignored: (path) => path !== this.drop.dir && (isInProgressName(basename(path)) || subfolders.some((s) => path === s || path.startsWith(`${s}${sep}`))),
    });
    const arrived = (path: string) => (inFolder(path) ? this.enqueue(basename(path)) : undefined);
    this.watcher.on('add', arrived).on('change', arrived);
    this.watcher.on('error', (error) => this.logger.warn(`${this.label}: watching ${this.drop.dir} failed (${errorText(error)}); files are still found by a listing every ${SWEEP_MS / 1000} s`));
    await new Promise<void>((resolve) => this.watcher?.once('ready', resolve));
    await this.sweep();
    this.running = this.run();
    this.sweeper.start();
  }

  /** Stops watching; a file part-way stays in processing/ after its chunk in flight, to be taken again at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.watcher?.close();
    this.wake();
    await Promise.all([this.running, this.sweeper.stop()]);
  }

  private get label(): string {
    return `file drop ${this.drop.name}`;
  }

  private enqueue(name: string, listed?: Seen): void {
    if (this.stopping || this.waiting.has(name) || isInProgressName(name)) return;
    this.waiting.add(name);
    this.queue.push({ name, claimed: false, ...(listed ? { listed } : {}) });
    this.wake();
  }

  private async sweep(): Promise<void> {
    const names = await this.folder.waiting().catch((error: unknown) => {
      this.logger.warn(`${this.label}: cannot list ${this.drop.dir} (${errorText(error)}): check that it is mounted and readable by corral's user`);
      return [];
    });
    for (const name of names) {
      const seen = this.waiting.has(name) ? undefined : await seenNow(join(this.drop.dir, name));
      if (seen) this.enqueue(name, seen);
    }
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const entry = this.queue[0];
      if (!entry) {
        const swept = await this.pause(SWEEP_MS, true);
        if (swept) await this.sweep();
        continue;
      }
      try {
        await this.handle(entry);
        this.queue.shift();
        this.failures = 0;
      } catch (error) {
        // Kept, and tried again after the others: one file that cannot be taken blocks no other.
        this.queue.push(...this.queue.splice(0, 1));
        this.failures += 1;
        const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (this.failures - 1));
        const where = entry.claimed ? `it stays in ${join(this.drop.dir, 'processing')}` : 'it stays where it is';
        this.logger.warn(`${this.label}: could not take ${shown(entry.name)} (${errorText(error)}); ${where}, nothing of it is lost, and it is tried again in ${Math.round(delay / 1000)} s. If this goes on, check corral's database and GET /v1/health`);
        await this.pause(delay, false);
      }
    }
  }

  /** Waits `ms`, or less when stopping (and, if `orArrival`, when a file arrives); true when the time ran out. */
  private pause(ms: number, orArrival: boolean): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(true), ms);
      const early = () => {
        clearTimeout(timer);
        resolve(false);
      };
      this.wake = orArrival ? early : () => (this.stopping ? early() : undefined);
    });
  }

  private async handle(entry: Entry): Promise<void> {
    if (!entry.claimed) {
      const { name } = entry;
      const ready = !entry.listed || (await this.settled(name, entry.listed));
      const claimed = ready ? await this.folder.claim(name, stampOf(this.clock.now())) : undefined;
      this.waiting.delete(name);
      // Gone (another corral claimed it, its sender took it back), or stopping while it settled.
      if (!claimed) return;
      Object.assign(entry, { name: claimed, claimed: true });
    }
    await this.taker.take(entry.name, () => this.stopping);
  }

  /** Whether the file's size and time stayed as `seen` for the settle time (false: gone, or stopping). */
  private async settled(name: string, seen: Seen): Promise<boolean> {
    const path = join(this.drop.dir, name);
    for (let last = seen; ; ) {
      const waited = performance.now() - last.at;
      if (waited < this.drop.settleMs && !(await this.pause(this.drop.settleMs - waited, false))) return false;
      const now = await seenNow(path);
      if (!now) return false;
      if (now.size === last.size && now.mtimeMs === last.mtimeMs) return true;
      last = now;
    }
  }
}

async function seenNow(path: string): Promise<Seen | undefined> {
  const stats = await stat(path).catch(() => undefined);
  return stats ? { size: stats.size, mtimeMs: stats.mtimeMs, at: performance.now() } : undefined;
}

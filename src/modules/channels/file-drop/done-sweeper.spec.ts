import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../actors/clock.js';
import { DoneSweeper } from './done-sweeper.js';
import { DropFolder } from './drop-folder.js';
import type { FileDropConfig } from './file-drop-config.js';

describe('DoneSweeper', () => {
  let dir: string;
  let folder: DropFolder;
  const lines: string[] = [];
  const logger = { log: (line: string) => void lines.push(line), warn: (line: string) => void lines.push(`warn: ${line}`) };
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corral-done-sweeper-'));
    folder = new DropFolder(dir);
    await folder.prepare();
    lines.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const drop = (keepDoneMs: number) => ({ name: 'lab-hl7', dir, format: 'hl7', settleMs: 2000, chunk: 100, encoding: 'utf-8', keepDoneMs }) satisfies FileDropConfig;
  const put = (where: 'done' | 'failed', name: string, mtime = new Date()) => {
    writeFileSync(join(dir, where, name), 'MSH|^~\\&|LIS|LAKESIDE');
    utimesSync(join(dir, where, name), mtime, mtime);
  };

  it('deletes from done/ what was taken longer ago than keepDone, with its note, leaves failed/ alone, and logs the count only', async () => {
    const monthAgo = new Date(Date.now() - 30 * 86_400_000);
    put('done', '20261101T070000.000Z-MRN7654321.hl7');
    put('done', '20261101T070000.000Z-MRN7654321.hl7.refused.txt');
    put('done', '20261124T060000.000Z-recent.hl7', monthAgo);
    put('done', 'by-hand.hl7', monthAgo);
    put('failed', 'by-hand.hl7', monthAgo);
    const sweeper = new DoneSweeper(drop(7 * 86_400_000), folder, new ManualClock(new Date('2026-11-24T07:00:00.000Z')), logger);

    await sweeper.sweep();

    expect(readdirSync(join(dir, 'done'))).toEqual(['20261124T060000.000Z-recent.hl7']);
    expect(readdirSync(join(dir, 'failed'))).toEqual(['by-hand.hl7']);
    expect(lines).toEqual(['file drop lab-hl7: deleted 3 file(s) from done/ older than keepDone: 7d']);
  });

  it('sweeps at start, and stops cleanly', async () => {
    put('done', '20261124T070000.000Z-taken.hl7');
    const sweeper = new DoneSweeper(drop(0), folder, new ManualClock(new Date('2026-11-24T07:00:00.000Z')), logger);

    sweeper.start();
    await sweeper.sweep();
    await sweeper.stop();

    expect(readdirSync(join(dir, 'done'))).toEqual([]);
    expect(lines).toEqual(['file drop lab-hl7: deleted 1 file(s) from done/ older than keepDone: 0']);
  });

  it('says what to do when done/ cannot be listed', async () => {
    rmSync(join(dir, 'done'), { recursive: true });
    await new DoneSweeper(drop(0), folder, new ManualClock(new Date()), logger).sweep();

    expect(lines).toEqual([expect.stringMatching(new RegExp(`^warn: file drop lab-hl7: cannot list ${join(dir, 'done')} to delete what is older than keepDone: 0 \\(ENOENT\\); tried again in an hour`))]);
  });
});

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DropFolder, isInProgressName, stampOf } from './drop-folder.js';

describe('DropFolder', () => {
  let dir: string;
  let folder: DropFolder;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'corral-drop-folder-'));
    folder = new DropFolder(dir);
    await folder.prepare();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const STAMP = stampOf(new Date('2026-11-24T07:00:00.000Z'));

  it('lets one of two claims of a file win: the rename is the lock', async () => {
    writeFileSync(join(dir, 'batch.hl7'), 'MSH|');
    const claims = await Promise.all([folder.claim('batch.hl7', STAMP), folder.claim('batch.hl7', STAMP)]);

    expect(claims.filter(Boolean)).toEqual(['20261124T070000.000Z-batch.hl7']);
    expect(await folder.claimed()).toEqual(['20261124T070000.000Z-batch.hl7']);
    expect(await folder.waiting()).toEqual([]);
  });

  it('never replaces a file already there: a name taken gets a counter', async () => {
    for (const content of ['first', 'second']) {
      writeFileSync(join(dir, 'batch.hl7'), content);
      const claimed = await folder.claim('batch.hl7', STAMP);
      await folder.finish(claimed ?? '', 'failed', { suffix: '.reason.txt', text: `why ${content}` });
    }

    expect(readdirSync(join(dir, 'failed')).sort()).toEqual(['2-20261124T070000.000Z-batch.hl7', '2-20261124T070000.000Z-batch.hl7.reason.txt', '20261124T070000.000Z-batch.hl7', '20261124T070000.000Z-batch.hl7.reason.txt']);
    expect(readFileSync(join(dir, 'failed', '2-20261124T070000.000Z-batch.hl7'), 'utf8')).toBe('second');
    expect(readFileSync(join(dir, 'failed', '2-20261124T070000.000Z-batch.hl7.reason.txt'), 'utf8')).toBe('why second');
  });

  it('answers that a file another corral finished is gone, and moves nothing', async () => {
    expect(await folder.claim('never-there.hl7', STAMP)).toBeUndefined();
    expect(await folder.finish('never-claimed.hl7', 'done')).toBe(false);
    expect(existsSync(join(dir, 'done', 'never-claimed.hl7'))).toBe(false);
  });

  it('deletes a claimed file instead of moving it to done/ when nothing is kept, its note left in done/', async () => {
    writeFileSync(join(dir, 'batch.hl7'), 'MSH|');
    const claimed = (await folder.claim('batch.hl7', STAMP)) ?? '';

    expect(await folder.discard(claimed, { suffix: '.refused.txt', text: 'line 3 refused' })).toBe(true);
    expect([readdirSync(join(dir, 'processing')), readdirSync(join(dir, 'done'))]).toEqual([[], ['20261124T070000.000Z-batch.hl7.refused.txt']]);
    expect(await folder.discard(claimed)).toBe(false);
    expect(await folder.remove('20261124T070000.000Z-batch.hl7.refused.txt')).toBe(true);
    expect(await folder.remove('20261124T070000.000Z-batch.hl7.refused.txt')).toBe(false);
    expect(await folder.done()).toEqual([]);
  });

  it('leaves what a sender is still writing, and hidden files, alone', () => {
    expect(['.batch.hl7', 'batch.hl7.part', 'batch.hl7.filepart', 'export.TMP'].every(isInProgressName)).toBe(true);
    expect(['batch.hl7', 'export.csv', 'part.csv', 'tmp'].some(isInProgressName)).toBe(false);
  });
});

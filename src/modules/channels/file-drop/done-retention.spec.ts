import { durationText, expiredInDone } from './done-retention.js';
import { claimedAt } from './drop-folder.js';

describe('expiredInDone', () => {
  const DAY = 86_400_000;
  const KEEP = 7 * DAY;
  // corral's Clock and the file system's clock need not agree (tests run corral on a manual clock).
  const now = { clock: new Date('2026-11-24T07:00:00.000Z'), wall: new Date('2026-12-06T12:00:00.000Z') };
  const wallAgo = (days: number) => now.wall.getTime() - days * DAY;
  const selected = (files: Array<{ name: string; mtimeMs: number }>, keepMs = KEEP) => expiredInDone(files, keepMs, now).sort();

  it('ages a file corral took by the stamp before its name, whatever its modification time', () => {
    const files = [
      // Taken 14 days ago by the Clock; a sender wrote it just before.
      { name: '20261110T070000.000Z-nacks.hl7', mtimeMs: wallAgo(0) },
      // Taken a day ago; the sender wrote it a month before (a move keeps that time).
      { name: '20261123T070000.000Z-old-export.csv', mtimeMs: wallAgo(30) },
      // A second file of one name and stamp, with the counter freeName put before it: taken exactly 7 days ago.
      { name: '2-20261117T070000.000Z-nacks.hl7', mtimeMs: wallAgo(0) },
    ];

    expect(selected(files)).toEqual(['2-20261117T070000.000Z-nacks.hl7', '20261110T070000.000Z-nacks.hl7']);
  });

  it('ages a file without a stamp (put there by hand) by its modification time, on the wall clock', () => {
    const files = [
      { name: 'copied-by-hand.hl7', mtimeMs: wallAgo(8) },
      { name: 'fresh.hl7', mtimeMs: wallAgo(1) },
      { name: '20261399T070000.000Z-not-a-date.hl7', mtimeMs: wallAgo(1) },
    ];

    expect(selected(files)).toEqual(['copied-by-hand.hl7']);
  });

  it('deletes a refused note with its file and keeps it while its file is kept; alone, it is aged like a file', () => {
    const files = [
      { name: 'by-hand.csv', mtimeMs: wallAgo(1) },
      { name: 'by-hand.csv.refused.txt', mtimeMs: wallAgo(10) },
      { name: 'older.csv', mtimeMs: wallAgo(10) },
      { name: 'older.csv.refused.txt', mtimeMs: wallAgo(1) },
      { name: '20261101T070000.000Z-file-gone.csv.refused.txt', mtimeMs: wallAgo(0) },
      { name: '20261120T070000.000Z-file-gone-too.csv.refused.txt', mtimeMs: wallAgo(0) },
    ];

    expect(selected(files)).toEqual(['20261101T070000.000Z-file-gone.csv.refused.txt', 'older.csv', 'older.csv.refused.txt']);
  });

  it('keeps nothing with keepDone 0, not even a file stamped ahead of the clock', () => {
    const files = [
      { name: '20261124T070000.000Z-just-taken.hl7', mtimeMs: wallAgo(0) },
      { name: '20261125T070000.000Z-clock-skew.hl7', mtimeMs: wallAgo(-1) },
    ];

    expect(selected(files, 0)).toEqual(['20261124T070000.000Z-just-taken.hl7', '20261125T070000.000Z-clock-skew.hl7']);
    // Any other keepDone keeps what was just taken.
    expect(selected(files, 1)).toEqual([]);
    expect(selected([])).toEqual([]);
  });
});

describe('claimedAt', () => {
  it('reads the stamp corral put before a claimed name, after any counter, and nothing else', () => {
    expect(claimedAt('20261124T070000.000Z-nacks.hl7')).toEqual(new Date('2026-11-24T07:00:00.000Z'));
    expect(claimedAt('3-2-20261124T070000.123Z-nacks.hl7')).toEqual(new Date('2026-11-24T07:00:00.123Z'));
    expect(['nacks.hl7', '20261124T070000Z-nacks.hl7', 'x-20261124T070000.000Z-nacks.hl7', '20261124T250000.000Z-nacks.hl7'].map(claimedAt)).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('durationText', () => {
  it('writes a keepDone in the largest whole unit', () => {
    expect([7 * 86_400_000, 36 * 3_600_000, 90 * 60_000, 45_000, 1500, 0].map(durationText)).toEqual(['7d', '36h', '90m', '45s', '1500ms', '0']);
  });
});

import { csvEvents, type CsvRead } from './csv-rows.js';
import type { CsvMapping } from './file-drop-config.js';

const MAPPING: CsvMapping = {
  delimiter: ',',
  columns: { id: 'Alert ID', system: 'Host', facility: 'Site', symptom: 'Message', severity: 'Severity', occurredAt: 'Time', status: 'State' },
};
const DEFAULTS = { source: 'nagios-export', fileDigest: 'cd'.repeat(32), fileTime: '2026-11-24T08:00:00.000Z' };
const rows = (read: CsvRead) => {
  if (!read.ok) throw new Error(read.reason);
  return read;
};

describe('csvEvents', () => {
  it('makes each row the canonical event the mapping describes, with the drop as source and corral defaults where columns are absent', () => {
    const text = 'Alert ID,Host,Site,Message,Severity,Time,State\r\nA-1,epic-adt,lakeside,ADT feed stalled,CRITICAL,2026-11-24 07:00:00,PROBLEM\r\nA-2,epic-adt,lakeside,ADT feed back,OK,2026-11-24T07:30:00+01:00,OK\r\n';
    const { rows: taken, refused } = rows(csvEvents(text, MAPPING, DEFAULTS));

    expect(refused).toEqual([]);
    expect(taken).toEqual([
      {
        line: 2,
        event: { id: 'A-1', schemaVersion: '1', kind: 'alert', source: { type: 'canonical', system: 'nagios-export' }, occurredAt: '2026-11-24T07:00:00.000Z', status: 'firing', severity: 'critical', system: 'epic-adt', facility: 'lakeside', symptom: 'ADT feed stalled', patientImpact: false },
      },
      { line: 3, event: expect.objectContaining({ id: 'A-2', status: 'resolved', severity: 'info', occurredAt: '2026-11-24T06:30:00.000Z' }) },
    ]);
  });

  it('gives rows without an id column ids made of the file digest and the line, the same on every read, and the file time when no time column', () => {
    const mapping: CsvMapping = { delimiter: ';', columns: { symptom: 'text' } };
    const text = 'text;other\n"printer queue stuck; ward 4 ""west""";x\n"label printer\noffline";y\n';
    const read = () => rows(csvEvents(text, mapping, { ...DEFAULTS, system: 'print-server', facility: 'overlake' }));
    const [first, second] = read().rows;

    expect(first?.event).toMatchObject({ system: 'print-server', facility: 'overlake', symptom: 'printer queue stuck; ward 4 "west"', severity: 'medium', status: 'firing', occurredAt: DEFAULTS.fileTime });
    // A quoted field across lines: the row is named by the line it ends on.
    expect(second).toMatchObject({ line: 4, event: { symptom: 'label printer\noffline' } });
    expect(read().rows.map((r) => r.event.id)).toEqual([first?.event.id, second?.event.id]);
    expect(first?.event.id).toMatch(/^row-[0-9a-f]{32}$/);
    expect(first?.event.id).not.toBe(second?.event.id);
    expect(rows(csvEvents(text, mapping, { ...DEFAULTS, system: 'x', fileDigest: 'ef'.repeat(32) })).rows[0]?.event.id).not.toBe(first?.event.id);
  });

  it('refuses a bad row by its line and field, never quoting it, and takes the others', () => {
    const text = [
      'Alert ID,Host,Site,Message,Severity,Time,State',
      'A-1,epic-adt,lakeside,ADT feed stalled,high,2026-11-24T07:00:00Z,',
      'A-2,epic-adt,lakeside,Carolee951 Sanford861 chart,urgentish,2026-11-24T07:00:00Z,',
      'A-3,epic-adt,lakeside,,high,2026-11-24T07:00:00Z,',
      'A-4,epic-adt,lakeside,ADT down,high,24/11/2026 MRN 7654321,',
      'A-5,epic-adt,lakeside,ADT down,high,2026-11-24T07:00:00Z,maybe',
      'A-6,epic-adt,too,many,fields,here,now,Sanford861',
      'A-7,,lakeside,ADT down,high,2026-11-24T07:00:00Z,',
      'A-8,"epic"adt,lakeside,x,high,2026-11-24T07:00:00Z,',
      'A-9,epic-adt,lakeside,ADT feed stalled,high,2026-11-24T07:05:00Z,',
    ].join('\n');
    const read = rows(csvEvents(text, MAPPING, DEFAULTS));

    expect(read.rows.map((r) => [r.line, r.event.id])).toEqual([
      [2, 'A-1'],
      // A stray quote is kept as text: the intake then judges the field (a system that is no code is refused there).
      [9, 'A-8'],
      [10, 'A-9'],
    ]);
    expect(read.rows[1]?.event.system).toBe('"epic"adt');
    expect(read.refused.map((r) => r.line)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(read.refused[0]?.reason).toMatch(/^severity \(column "Severity"\) is not a severity/);
    expect(read.refused[4]?.reason).toBe('has 8 fields, the header 7');
    expect(read.refused[5]?.reason).toMatch(/system \(column "Host"\) is empty and the drop sets no system/);
    expect(JSON.stringify(read.refused)).not.toMatch(/Carolee|Sanford|7654321|urgentish|maybe/);
  });

  it('refuses a file whose header lacks a mapped column, or that is no CSV, whole, saying what to do', () => {
    const missing = csvEvents('Host,Message\nepic,down\n', MAPPING, DEFAULTS);
    expect(missing).toEqual({ ok: false, reason: expect.stringContaining('the header line has no column "Alert ID" (csv.columns.id), "Site" (csv.columns.facility)') });
    expect(csvEvents('', MAPPING, DEFAULTS)).toMatchObject({ ok: false, reason: expect.stringContaining('no lines') });
    expect(csvEvents('Message\n"never closed\n', { delimiter: ',', columns: { symptom: 'Message' } }, { ...DEFAULTS, system: 's' })).toMatchObject({ ok: false, reason: expect.stringContaining('not readable as CSV') });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFileDropsSection } from './file-drop-config.js';

describe('parseFileDropsSection', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'corral-drop-config-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const parsed = (raw: unknown) => {
    const problems: string[] = [];
    return { drops: parseFileDropsSection(raw, problems), problems };
  };

  it('reads an HL7 and a CSV folder, with defaults for what is left out', () => {
    const csv = { columns: { symptom: 'Message', system: 'Host', occurredAt: 'Time' }, delimiter: ';' };
    const exports = mkdtempSync(join(root, 'csv-'));
    const { drops, problems } = parsed([
      { name: 'lab-hl7', dir: root, format: 'hl7', facility: 'lakeside' },
      { name: 'nagios', dir: exports, format: 'csv', poll: '10s', settle: '500ms', chunk: 20, encoding: 'latin1', keepDone: '36h', csv },
    ]);

    expect(problems).toEqual([]);
    expect(drops[0]).toEqual({ name: 'lab-hl7', dir: root, format: 'hl7', settleMs: 2000, chunk: 100, encoding: 'utf-8', keepDoneMs: 7 * 86_400_000, facility: 'lakeside' });
    expect(drops[1]).toEqual({ name: 'nagios', dir: exports, format: 'csv', pollMs: 10_000, settleMs: 500, chunk: 20, encoding: 'latin1', keepDoneMs: 36 * 3_600_000, csv });
    expect(parsed(undefined)).toEqual({ drops: [], problems: [] });
  });

  it('reads keepDone 0, written as YAML reads it or as a duration, as "delete once taken"', () => {
    for (const keepDone of [0, '0', '0s', '0ms']) {
      const { drops, problems } = parsed([{ name: 'lab', dir: root, format: 'hl7', keepDone }]);
      expect([keepDone, problems, drops[0]?.keepDoneMs]).toEqual([keepDone, [], 0]);
    }
  });

  it('names every mistake by its key, with what to do', () => {
    const file = join(root, 'a-file');
    writeFileSync(file, '');
    const { drops, problems } = parsed([
      { name: 'Lab HL7', dir: 'spool/lab', format: 'xml', poll: 10, settle: 'soon', chunk: 0, encoding: 'ebcdic', facility: 'Sanford861 ward', retries: 3 },
      { name: 'gone', dir: join(root, 'missing'), format: 'hl7', keepDone: 7 },
      { name: 'file', dir: file, format: 'hl7', keepDone: '-1d', csv: { columns: {} } },
      { name: 'export', dir: root, format: 'csv', csv: { columns: { message: 'Message', severity: '' }, delimiter: '::', quote: "'" } },
      'lab',
    ]);

    expect(drops).toEqual([]);
    expect(problems).toEqual([
      'fileDrops[0].retries: is not a known key (keys: name, dir, format, poll, settle, chunk, encoding, keepDone, facility, system, csv)',
      'fileDrops[0].name: is required: lower-case letters, digits, - or _ (e.g. lab-hl7)',
      'fileDrops[0].dir: is required: an absolute path to the folder files are dropped into',
      'fileDrops[0].format: is required: hl7 (HL7 v2 batch or message files) or csv (alert exports)',
      'fileDrops[0].poll: must be a duration such as 10s or 500ms',
      'fileDrops[0].settle: must be a duration such as 10s or 500ms',
      'fileDrops[0].chunk: must be a whole number from 1 to 1000',
      'fileDrops[0].encoding: must be one of utf-8, latin1',
      'fileDrops[0].facility: must be a code as events carry one (letters, digits, . _ : @ / # + -, no spaces), e.g. lakeside',
      `fileDrops[1].dir: ${join(root, 'missing')} does not exist: create it (and mount the share there, if it is one) before starting corral`,
      'fileDrops[1].keepDone: must be a duration such as 7d or 12h, or 0 to delete a file as soon as its events are in corral',
      `fileDrops[2].dir: ${file} is not a folder`,
      'fileDrops[2].keepDone: must be a duration such as 7d or 12h, or 0 to delete a file as soon as its events are in corral',
      'fileDrops[2].csv: is only read with format: csv',
      'fileDrops[3].csv.quote: is not a known key (keys: columns, delimiter)',
      'fileDrops[3].csv.delimiter: must be one of "," ";" "\\t" "|"',
      'fileDrops[3].csv.columns.message: is not a canonical field a column can fill (fields: id, kind, system, facility, department, location, symptom, severity, status, occurredAt, errorSignature, patientImpact)',
      "fileDrops[3].csv.columns.severity: must be the export's column header, as written in its first line",
      'fileDrops[3].csv.columns.symptom: is required: the column that says what is wrong',
      'fileDrops[3].csv.columns.system: is required unless the entry sets system: the column that names the affected system',
      'fileDrops[4]: must be a mapping with name, dir and format',
    ]);
    expect(parsed({ name: 'lab' }).problems).toEqual([expect.stringMatching(/^fileDrops: must be a list/)]);
  });

  it('refuses two entries on one folder or under one name', () => {
    const { problems } = parsed([
      { name: 'lab', dir: root, format: 'hl7' },
      { name: 'lab', dir: root, format: 'hl7' },
    ]);

    expect(problems).toEqual([`fileDrops[1].name: "lab" is already used by fileDrops[0]; each folder is read by one entry`, `fileDrops[1].dir: "${root}" is already used by fileDrops[0]; each folder is read by one entry`]);
  });
});

import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isCode } from '../../../correlation/privacy.js';
import { parseDuration } from '../../../correlation/rules.js';

/** Canonical event fields a CSV export's columns can fill (`csv.columns`: field → the export's header). */
export const CSV_FIELDS = ['id', 'kind', 'system', 'facility', 'department', 'location', 'symptom', 'severity', 'status', 'occurredAt', 'errorSignature', 'patientImpact'] as const;
export type CsvField = (typeof CSV_FIELDS)[number];

export interface CsvMapping {
  /** Canonical field → the header of the column that holds it. */
  columns: Partial<Record<CsvField, string>>;
  delimiter: string;
}

export const FILE_ENCODINGS = ['utf-8', 'latin1'] as const;
export type FileEncoding = (typeof FILE_ENCODINGS)[number];

/** One entry of the `fileDrops:` section of the channels file: a folder a system drops files into. */
export interface FileDropConfig {
  /** Lower-case letters, digits, - or _: named in logs, and the source system of CSV events. */
  name: string;
  /** Absolute; corral makes `processing/`, `done/` and `failed/` inside it. */
  dir: string;
  format: 'hl7' | 'csv';
  /** Poll the folder this often (NFS and SFTP mounts, where file-system events do not arrive); absent: events. */
  pollMs?: number;
  /** A file is taken once its size has not changed for this long (a sender still writing it). */
  settleMs: number;
  /** Messages or rows committed together; a restart redoes at most the chunk in flight. */
  chunk: number;
  encoding: FileEncoding;
  /**
   * A file in done/ is deleted once it was taken this long ago (0: as soon as its events are
   * durable): its raw content, patient identifiers included, must not outlive corral's retention.
   */
  keepDoneMs: number;
  /** Where a message or row names none (HL7: MSH-4 and MSH-3 empty; CSV: no column, or an empty cell). */
  facility?: string;
  system?: string;
  csv?: CsvMapping;
}

const KEYS = ['name', 'dir', 'format', 'poll', 'settle', 'chunk', 'encoding', 'keepDone', 'facility', 'system', 'csv'];
const CSV_KEYS = ['columns', 'delimiter'];
const DEFAULT_SETTLE_MS = 2000;
const DEFAULT_CHUNK = 100;
const DEFAULT_KEEP_DONE_MS = 7 * 86_400_000;
/** One append holds at most this many (ingest limits: MAX_EVENTS_PER_REQUEST). */
const MAX_CHUNK = 1000;

/**
 * The `fileDrops:` section: a list of folders, each checked key by key. A folder must exist and be
 * writable by corral now, at start: a missing mount found only when the first file should have
 * arrived is a silent outage.
 */
export function parseFileDropsSection(raw: unknown, problems: string[]): FileDropConfig[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push('fileDrops: must be a list of folders, e.g. [{ name: lab-hl7, dir: /var/spool/corral/lab, format: hl7 }]');
    return [];
  }
  const drops = raw.flatMap((entry: unknown, index) => parseEntry(entry, `fileDrops[${index}]`, problems));
  const seen = new Map<string, string>();
  drops.forEach((drop, index) => {
    for (const [what, value] of [['name', drop.name], ['dir', drop.dir]] as const) {
      const key = `${what}:${value}`;
      const earlier = seen.get(key);
      if (earlier) problems.push(`fileDrops[${index}].${what}: "${value}" is already used by ${earlier}; each folder is read by one entry`);
      else seen.set(key, `fileDrops[${index}]`);
    }
  });
  return drops;
}

function parseEntry(entry: unknown, at: string, problems: string[]): FileDropConfig[] {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.push(`${at}: must be a mapping with name, dir and format`);
    return [];
  }
  const item = entry as Record<string, unknown>;
  const before = problems.length;
  const fail = (key: string, problem: string) => problems.push(`${at}.${key}: ${problem}`);
  for (const key of Object.keys(item)) if (!KEYS.includes(key)) fail(key, `is not a known key (keys: ${KEYS.join(', ')})`);

  const name = typeof item.name === 'string' && /^[a-z0-9][a-z0-9_-]{0,62}$/.test(item.name) ? item.name : (fail('name', 'is required: lower-case letters, digits, - or _ (e.g. lab-hl7)'), '');
  // Resolved (`/spool/lab/` is `/spool/lab`): the watcher's paths are compared with it.
  const dir = typeof item.dir === 'string' && isAbsolute(item.dir) ? resolve(item.dir) : (fail('dir', 'is required: an absolute path to the folder files are dropped into'), '');
  if (dir) {
    const problem = folderProblem(dir);
    if (problem) fail('dir', problem);
  }
  const format = item.format === 'hl7' || item.format === 'csv' ? item.format : (fail('format', 'is required: hl7 (HL7 v2 batch or message files) or csv (alert exports)'), 'hl7');
  const duration = (key: 'poll' | 'settle'): number | undefined => {
    const value = item[key];
    if (value === undefined) return undefined;
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined || ms <= 0) fail(key, 'must be a duration such as 10s or 500ms');
    return ms;
  };
  const pollMs = duration('poll');
  const settleMs = duration('settle') ?? DEFAULT_SETTLE_MS;
  const chunk = item.chunk === undefined ? DEFAULT_CHUNK : Number.isInteger(item.chunk) && (item.chunk as number) >= 1 && (item.chunk as number) <= MAX_CHUNK ? (item.chunk as number) : (fail('chunk', `must be a whole number from 1 to ${MAX_CHUNK}`), DEFAULT_CHUNK);
  const keepDoneMs = keepDoneOf(item.keepDone, (problem) => fail('keepDone', problem));
  const encoding = item.encoding === undefined ? 'utf-8' : (FILE_ENCODINGS as readonly unknown[]).includes(item.encoding) ? (item.encoding as FileEncoding) : (fail('encoding', `must be one of ${FILE_ENCODINGS.join(', ')}`), 'utf-8');
  const code = (key: 'facility' | 'system'): string | undefined => {
    const value = item[key];
    if (value === undefined) return undefined;
    if (typeof value === 'string' && isCode(value)) return value;
    fail(key, 'must be a code as events carry one (letters, digits, . _ : @ / # + -, no spaces), e.g. lakeside');
    return undefined;
  };
  const facility = code('facility');
  const system = code('system');
  const csv = format === 'csv' ? parseCsv(item.csv, `${at}.csv`, system !== undefined, problems) : undefined;
  if (format !== 'csv' && item.csv !== undefined) fail('csv', 'is only read with format: csv');
  if (problems.length > before) return [];
  return [{ name, dir, format, settleMs, chunk, encoding, keepDoneMs, ...(pollMs !== undefined ? { pollMs } : {}), ...(facility ? { facility } : {}), ...(system ? { system } : {}), ...(csv ? { csv } : {}) }];
}

/** `keepDone`: a duration, or 0 (YAML reads `keepDone: 0` as a number) for "delete once durable". */
function keepDoneOf(value: unknown, fail: (problem: string) => void): number {
  if (value === undefined) return DEFAULT_KEEP_DONE_MS;
  if (value === 0 || value === '0') return 0;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms !== undefined) return ms;
  fail('must be a duration such as 7d or 12h, or 0 to delete a file as soon as its events are in corral');
  return DEFAULT_KEEP_DONE_MS;
}

function parseCsv(raw: unknown, at: string, hasSystem: boolean, problems: string[]): CsvMapping | undefined {
  const fail = (key: string, problem: string) => problems.push(`${at}${key ? `.${key}` : ''}: ${problem}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    fail('', 'is required with format: csv: { columns: { symptom: <header>, … }, delimiter: "," }');
    return undefined;
  }
  const section = raw as Record<string, unknown>;
  for (const key of Object.keys(section)) if (!CSV_KEYS.includes(key)) fail(key, `is not a known key (keys: ${CSV_KEYS.join(', ')})`);
  const delimiter = section.delimiter === undefined ? ',' : typeof section.delimiter === 'string' && [',', ';', '\t', '|'].includes(section.delimiter) ? section.delimiter : (fail('delimiter', 'must be one of "," ";" "\\t" "|"'), ',');
  const given = section.columns;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    fail('columns', `is required: canonical field → the export's column header (fields: ${CSV_FIELDS.join(', ')})`);
    return undefined;
  }
  const columns: Partial<Record<CsvField, string>> = {};
  for (const [field, header] of Object.entries(given as Record<string, unknown>)) {
    if (!(CSV_FIELDS as readonly string[]).includes(field)) fail(`columns.${field}`, `is not a canonical field a column can fill (fields: ${CSV_FIELDS.join(', ')})`);
    else if (typeof header !== 'string' || header.trim() === '') fail(`columns.${field}`, "must be the export's column header, as written in its first line");
    else columns[field as CsvField] = header;
  }
  if (!columns.symptom) fail('columns.symptom', 'is required: the column that says what is wrong');
  if (!columns.system && !hasSystem) fail('columns.system', 'is required unless the entry sets system: the column that names the affected system');
  return { columns, delimiter };
}

/** Why corral cannot use `dir` as a drop folder, and what to do; undefined when it can. */
function folderProblem(dir: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory()) return `${dir} is not a folder`;
  } catch {
    return `${dir} does not exist: create it (and mount the share there, if it is one) before starting corral`;
  }
  try {
    // Files are claimed by renaming them into processing/ and moved to done/ or failed/: both need write access.
    accessSync(dir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch {
    return `${dir} is not readable and writable by corral's user: give that user read and write access to it`;
  }
  return undefined;
}

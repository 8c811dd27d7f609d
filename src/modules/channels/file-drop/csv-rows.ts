import { hash } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { EVENT_KINDS, type EventKind, type EventStatus, type Severity } from '../../../correlation/canonical-event.js';
import { severityFrom, truthy } from '../../ingest/sources/normalize-kit.js';
import type { CsvField, CsvMapping } from './file-drop-config.js';

/** One row of an export as the canonical event a producer would send, and the line it ends on. */
export interface CsvRow {
  line: number;
  event: Record<string, unknown>;
}

export type CsvRead = { ok: true; rows: CsvRow[]; refused: Array<{ line: number; reason: string }> } | { ok: false; reason: string };

/** What the file and its drop supply where a row leaves something out. */
export interface RowDefaults {
  /** The drop's name: the events' source system (with the id, what makes an event the same event). */
  source: string;
  /** A digest of the file's bytes: ids of rows without an id column, stable while the file is the same. */
  fileDigest: string;
  /** ISO time of the file's modification: the time of rows without an occurredAt column. */
  fileTime: string;
  facility?: string;
  system?: string;
}

/** Status words of monitoring exports, beside corral's own two. */
const FIRING = new Set(['firing', 'problem', 'active', 'open', 'alarm', 'alert', 'down', 'triggered', 'critical', 'warning']);
const RESOLVED = new Set(['resolved', 'ok', 'cleared', 'clear', 'closed', 'recovered', 'up', 'normal']);
/** A CSV export is about systems: a person's report or a command has a channel of its own. */
const ROW_KINDS: readonly EventKind[] = EVENT_KINDS.filter((k) => k !== 'command');

/**
 * An alert export's rows as canonical events, by the drop's mapping from the export's headers to
 * event fields. A row corral cannot use is refused with its line and the field, never its content
 * (it may name a patient); the rest are taken. A file whose header lacks a mapped column, or that
 * is not CSV at all, is refused whole: every row would be wrong the same way.
 */
export function csvEvents(text: string, mapping: CsvMapping, defaults: RowDefaults): CsvRead {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      delimiter: mapping.delimiter,
      bom: true,
      info: true,
      // A row with too few or too many fields is refused alone, below; a stray quote inside a
      // field is kept as text. Nothing else is skipped: after a broken quote the parser cannot
      // tell where the next row starts, and skipping would lose the rows it swallowed unsaid.
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (error) {
    // csv-parse's message quotes the field: only its code and line are repeated.
    const { code, lines } = error as { code?: string; lines?: number };
    return { ok: false, reason: `the file is not readable as CSV${lines ? ` at line ${lines}` : ''} (${code ?? 'unknown error'}; a quote opened and never closed, say): check that it is a CSV export with "${mapping.delimiter === '\t' ? '\\t' : mapping.delimiter}" between fields` };
  }
  const [header, ...body] = records;
  if (!header) return { ok: false, reason: 'the file holds no lines: an export starts with a line of column headers' };
  const headers = header.record.map((h) => h.trim());
  const indexOf = new Map<CsvField, number>();
  const missing: string[] = [];
  for (const [field, column] of Object.entries(mapping.columns) as Array<[CsvField, string]>) {
    const at = headers.indexOf(column.trim());
    if (at < 0) missing.push(`"${column}" (csv.columns.${field})`);
    else indexOf.set(field, at);
  }
  if (missing.length > 0) return { ok: false, reason: `the header line has no column ${missing.join(', ')}: the export's first line must hold the headers csv.columns names` };
  const rows: CsvRow[] = [];
  const refused: Array<{ line: number; reason: string }> = [];
  for (const { record, info } of body) {
    if (record.length !== headers.length) {
      refused.push({ line: info.lines, reason: `has ${record.length} fields, the header ${headers.length}` });
      continue;
    }
    const cell = (field: CsvField): string | undefined => {
      const at = indexOf.get(field);
      const value = at === undefined ? undefined : record[at]?.trim();
      return value ? value : undefined;
    };
    const event = rowEvent(cell, info.lines, mapping, defaults);
    if (typeof event === 'string') refused.push({ line: info.lines, reason: event });
    else rows.push({ line: info.lines, event });
  }
  return { ok: true, rows, refused };
}

/** The row's canonical event, or why there is none (naming the field and its column, not the value). */
function rowEvent(cell: (field: CsvField) => string | undefined, line: number, mapping: CsvMapping, defaults: RowDefaults): Record<string, unknown> | string {
  const column = (field: CsvField) => `${field} (column "${mapping.columns[field] ?? ''}")`;
  const symptom = cell('symptom');
  if (!symptom) return `${column('symptom')} is empty`;
  const system = cell('system') ?? defaults.system;
  if (!system) return `${column('system')} is empty and the drop sets no system`;
  const severityWord = cell('severity');
  const severity = severityWord === undefined ? 'medium' : knownSeverity(severityWord);
  if (!severity) return `${column('severity')} is not a severity (critical, high, medium, low, info, or a monitoring tool's word for one)`;
  const statusWord = cell('status')?.toLowerCase();
  const status: EventStatus | undefined = statusWord === undefined || FIRING.has(statusWord) ? 'firing' : RESOLVED.has(statusWord) ? 'resolved' : undefined;
  if (!status) return `${column('status')} is neither firing (${[...FIRING].join(', ')}) nor resolved (${[...RESOLVED].join(', ')})`;
  const kindWord = cell('kind')?.toLowerCase();
  const kind = kindWord === undefined ? 'alert' : ROW_KINDS.find((k) => k === kindWord);
  if (!kind) return `${column('kind')} must be one of ${ROW_KINDS.join(', ')}`;
  const timeText = cell('occurredAt');
  const occurredAt = timeText === undefined ? defaults.fileTime : isoOf(timeText);
  if (!occurredAt) return `${column('occurredAt')} is not a date and time (ISO 8601, e.g. 2026-11-24T07:00:00Z or 2026-11-24 07:00:00)`;
  const facility = cell('facility') ?? defaults.facility;
  const department = cell('department');
  const location = cell('location');
  const errorSignature = cell('errorSignature');
  return {
    // Without an id column, the row's place in this very file: the same file read again (a restart
    // part-way) makes the same ids, so nothing is taken twice.
    id: cell('id') ?? `row-${hash('sha256', `${defaults.fileDigest}\0${line}`, 'hex').slice(0, 32)}`,
    schemaVersion: '1',
    kind,
    source: { type: 'canonical', system: defaults.source },
    occurredAt,
    status,
    severity,
    system,
    symptom,
    patientImpact: truthy(cell('patientImpact')),
    ...(facility ? { facility } : {}),
    ...(department ? { department } : {}),
    ...(location ? { location } : {}),
    ...(errorSignature ? { errorSignature } : {}),
  };
}

/** The severity a monitoring tool's word stands for; undefined for a word severityFrom does not know. */
function knownSeverity(word: string): Severity | undefined {
  // Exports write a recovery's state as its severity too (Nagios: OK).
  if (RESOLVED.has(word.toLowerCase())) return 'info';
  // severityFrom answers its fallback for an unknown word: with two different fallbacks, only a known word answers alike.
  const high = severityFrom(word, 'critical');
  return high === severityFrom(word, 'info') ? high : undefined;
}

/**
 * ISO 8601, also with a space for the `T` as spreadsheets write it. Without a zone the time is
 * read as UTC (README "File drops"): an export's local time would otherwise move with the server's.
 */
function isoOf(text: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (!m) return undefined;
  const [, date, time, zone] = m;
  const offset = zone === undefined ? 'Z' : zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${date}T${time}${offset}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

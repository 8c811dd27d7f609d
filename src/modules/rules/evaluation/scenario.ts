import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { parseDuration } from '../../../correlation/rules.js';
import { isNativeSource, type NativeSource } from '../../ingest/sources/registry.js';

// A labeled storm: what the tools sent (each item one POST, as the tool sends it) and what really
// happened (the incident each item belongs to, and the queue that incident's ticket belongs in).
// The format is written up in eval/README.md.

export interface ScenarioItem {
  atMs: number;
  incident: string;
  source: NativeSource | 'canonical';
  body: unknown;
}

export interface Scenario {
  file: string;
  name: string;
  description: string;
  classes: string[];
  start: number;
  /** The truth: each real incident and the queue it belongs in. */
  incidents: Map<string, { queue: string }>;
  items: ScenarioItem[];
}

type Obj = Record<string, unknown>;

/** Every problem of a scenario file at once, each naming the file and the item. */
export class ScenarioError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid scenarios:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Every *.yaml of a directory, in name order. */
export function readScenarios(dir: string): Scenario[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ScenarioError([`${dir}: no such directory (give the directory of your labeled storms, such as eval/scenarios; the format is in eval/README.md)`]);
  const files = readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort();
  if (files.length === 0) throw new ScenarioError([`${dir}: holds no .yaml scenario files`]);
  return files.map((name) => {
    const path = join(dir, name);
    const file = relative(process.cwd(), path) || name;
    let document: unknown;
    try {
      document = parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ScenarioError([`${file}: ${(error as Error).message.split('\n')[0]}`]);
    }
    return parseScenario(document, file);
  });
}

export function parseScenario(document: unknown, file: string): Scenario {
  const raw = (document ?? {}) as Obj;
  const problems: string[] = [];
  const start = Date.parse(typeof raw.start === 'string' ? raw.start : '');
  if (Number.isNaN(start)) problems.push(`${file}: "start" must be an ISO-8601 date-time such as 2026-11-24T07:00:00Z`);
  const incidents = new Map<string, { queue: string }>();
  const declared = (raw.incidents ?? {}) as Obj;
  for (const [key, value] of Object.entries(declared)) {
    const queue = (value as Obj | null)?.queue;
    if (typeof queue !== 'string' || queue === '') problems.push(`${file}: incidents.${key} needs a "queue"`);
    else incidents.set(key, { queue });
  }
  if (incidents.size === 0) problems.push(`${file}: "incidents" must name at least one real incident and its queue`);
  const items: ScenarioItem[] = [];
  const list = Array.isArray(raw.items) ? (raw.items as Obj[]) : [];
  if (list.length === 0) problems.push(`${file}: "items" must be a non-empty list`);
  let previous = 0;
  list.forEach((item, index) => {
    const where = `${file}: items[${index}]`;
    const atMs = typeof item.at === 'string' ? parseDuration(item.at) : undefined;
    if (atMs === undefined) return void problems.push(`${where}.at must be a duration such as 0s, 45s or 3m`);
    if (atMs < previous) problems.push(`${where}.at (${String(item.at)}) is earlier than the item before it: items are in the order they arrive`);
    previous = atMs;
    const incident = typeof item.incident === 'string' ? item.incident : '';
    if (!incidents.has(incident)) problems.push(`${where}.incident "${incident}" is not one of incidents: ${[...incidents.keys()].join(', ')}`);
    const source = typeof item.source === 'string' ? item.source : '';
    if (source !== 'canonical' && !isNativeSource(source)) problems.push(`${where}.source "${source}" is not a source corral takes`);
    if (item.body === undefined) problems.push(`${where} has no body`);
    // HL7 v2 separates segments by carriage returns; a YAML block string has newlines.
    const body = source === 'hl7' && typeof item.body === 'string' ? item.body.replace(/\r?\n/g, '\r') : item.body;
    items.push({ atMs, incident, source: source as ScenarioItem['source'], body });
  });
  if (problems.length > 0) throw new ScenarioError(problems);
  return {
    file,
    name: typeof raw.name === 'string' ? raw.name : file,
    description: typeof raw.description === 'string' ? raw.description.trim() : '',
    classes: Array.isArray(raw.classes) ? raw.classes.map(String) : [],
    start,
    incidents,
    items,
  };
}

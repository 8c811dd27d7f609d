import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// The enrichment rules (config/enrichment.yaml): which canonical fields are looked up in the EHR's
// FHIR directory, how, and which resulting fields may be kept. Compiled once at boot; a mistake
// stops corral naming the field, like the correlation rules.

/** The only resource types corral ever asks a FHIR server for: directory data, never a chart. */
export const DIRECTORY_TYPES = ['Location', 'Organization', 'HealthcareService', 'Device', 'Endpoint'] as const;
export type DirectoryType = (typeof DIRECTORY_TYPES)[number];

/** The context fields enrichment may produce (EnrichedContext without its status). */
export const CONTEXT_FIELDS = ['facilityName', 'siteName', 'departmentName', 'locationPath', 'deviceType', 'deviceOwner'] as const;
export type ContextField = (typeof CONTEXT_FIELDS)[number];

export const LOOKUP_KINDS = ['facility', 'department', 'location', 'device'] as const;
export type LookupKind = (typeof LOOKUP_KINDS)[number];

export interface Search {
  resource: DirectoryType;
  by: 'identifier' | 'name';
  system?: string;
}

export interface EnrichmentRules {
  lookups: Record<LookupKind, Search[]>;
  deviceLabels: string[];
  maxDepth: number;
  keep: ReadonlySet<ContextField>;
}

/** Which types make sense for which field: a device id never searches Organization, and so on. */
const TYPES_FOR: Record<LookupKind, readonly DirectoryType[]> = {
  facility: ['Organization', 'Location'],
  department: ['Organization', 'HealthcareService', 'Location'],
  location: ['Location'],
  device: ['Device'],
};

export class EnrichmentRulesError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid enrichment rules:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function shippedEnrichmentFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'config', 'enrichment.yaml');
}

export function loadEnrichmentRules(file: string = shippedEnrichmentFile()): EnrichmentRules {
  if (!existsSync(file)) throw new EnrichmentRulesError([`${file}: no such file (set CORRAL_ENRICHMENT_FILE)`]);
  try {
    return compileEnrichmentRules(parse(readFileSync(file, 'utf8')) as unknown, file);
  } catch (error) {
    if (error instanceof EnrichmentRulesError) throw error;
    throw new EnrichmentRulesError([`${file}: ${error instanceof Error ? error.message : String(error)}`]);
  }
}

/** Pure: a parsed YAML document → rules, or an error listing every problem. */
export function compileEnrichmentRules(doc: unknown, origin = 'enrichment rules'): EnrichmentRules {
  const problems: string[] = [];
  const root = isRecord(doc) ? doc : {};
  if (!isRecord(doc)) problems.push(`${origin}: must be a YAML mapping`);
  for (const key of Object.keys(root)) {
    if (![...LOOKUP_KINDS, 'deviceLabels', 'maxDepth', 'keep'].includes(key)) problems.push(`${origin}: unknown section "${key}"`);
  }
  const lookups = Object.fromEntries(LOOKUP_KINDS.map((kind) => [kind, searches(root[kind], kind, origin, problems)])) as Record<LookupKind, Search[]>;

  const deviceLabels = root.deviceLabels ?? [];
  if (!Array.isArray(deviceLabels) || !deviceLabels.every((l) => typeof l === 'string' && l !== '')) {
    problems.push(`${origin}: field "deviceLabels" must be a list of label keys`);
  }
  const maxDepth = root.maxDepth ?? 6;
  if (typeof maxDepth !== 'number' || !Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > 20) {
    problems.push(`${origin}: field "maxDepth" must be a whole number from 0 to 20`);
  }
  const keep = root.keep ?? [...CONTEXT_FIELDS];
  if (!Array.isArray(keep)) problems.push(`${origin}: field "keep" must be a list`);
  for (const field of Array.isArray(keep) ? keep : []) {
    if (!(CONTEXT_FIELDS as readonly unknown[]).includes(field)) {
      problems.push(`${origin}: field "keep" may only name ${CONTEXT_FIELDS.join(', ')} (got "${String(field)}")`);
    }
  }
  if (problems.length > 0) throw new EnrichmentRulesError(problems);
  return { lookups, deviceLabels: deviceLabels as string[], maxDepth: maxDepth as number, keep: new Set(keep as ContextField[]) };
}

function searches(value: unknown, kind: LookupKind, origin: string, problems: string[]): Search[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.push(`${origin}: section "${kind}" must be a list of { resource, by }`);
    return [];
  }
  return value.flatMap((item: unknown, index) => {
    const at = `${origin}: ${kind}[${index}]`;
    if (!isRecord(item)) {
      problems.push(`${at} must be a mapping { resource, by }`);
      return [];
    }
    const { resource, by, system, ...rest } = item;
    const before = problems.length;
    if (Object.keys(rest).length > 0) problems.push(`${at}: unknown field "${Object.keys(rest)[0] ?? ''}"`);
    if (!TYPES_FOR[kind].includes(resource as DirectoryType)) {
      problems.push(`${at}: field "resource" must be one of ${TYPES_FOR[kind].join(', ')} (got "${String(resource)}")`);
    }
    if (by !== 'identifier' && by !== 'name') problems.push(`${at}: field "by" must be identifier or name`);
    if (system !== undefined && (typeof system !== 'string' || by !== 'identifier')) problems.push(`${at}: field "system" must be a string, with by: identifier`);
    if (problems.length > before) return [];
    return [{ resource: resource as DirectoryType, by: by as Search['by'], ...(typeof system === 'string' ? { system } : {}) }];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

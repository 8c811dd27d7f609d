import type { CanonicalEvent, EnrichedContext } from '../../correlation/canonical-event.js';
import { scrubText } from '../../correlation/scrub.js';
import { clampText, withoutControls } from '../ingest/unicode.js';
import type { ContextField, DirectoryType, EnrichmentRules, LookupKind } from './enrichment-rules.js';

// The allow-list between a FHIR directory and corral, as pure functions: what an event asks about,
// and which few fields of the answers are kept. Everything a resource carries beyond a name, a type
// and its `partOf` / `owner` / `location` link is never read, so a server that sends more (contained
// resources, a patient on a device, a Patient slipped into a Bundle) cannot make corral keep it.

/** A FHIR resource as received: untrusted JSON, read field by field. */
export type Resource = Record<string, unknown> & { resourceType: string };

/** What one lookup contributes to an event's context. */
export type Piece = Omit<EnrichedContext, 'enrichment'>;

export type Answer = { outcome: 'found'; piece: Piece } | { outcome: 'not-found' } | { outcome: 'ambiguous' };
export type KeyResult = Answer | { outcome: 'failed' };

export interface LookupRequest {
  kind: LookupKind;
  value: string;
}

/** The cache and coalescing key of a lookup. */
export const keyOf = ({ kind, value }: LookupRequest): string => `${kind}|${value}`;

/** What an event asks the directory: its facility, department, location and a device id label. */
export function lookupsOf(event: CanonicalEvent, rules: EnrichmentRules): LookupRequest[] {
  const device = rules.deviceLabels.map((label) => event.labels?.[label]).find((v): v is string => typeof v === 'string' && v !== '');
  const asked: Array<[LookupKind, string | undefined]> = [
    ['facility', event.facility],
    ['department', event.department],
    ['location', event.location],
    ['device', device],
  ];
  return asked.flatMap(([kind, value]) => (value && (rules.lookups[kind].length > 0 || asReference(value, [])) ? [{ kind, value }] : []));
}

/**
 * `Location/123` of one of the allowed types, relative to the same server. Contained (`#p1`),
 * absolute and other-typed references are never followed: they could lead anywhere.
 */
export function asReference(value: unknown, allowed: readonly DirectoryType[]): { type: DirectoryType; id: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(Location|Organization|HealthcareService|Device|Endpoint)\/([A-Za-z0-9\-.]{1,64})$/.exec(value);
  if (!m || !allowed.includes(m[1] as DirectoryType)) return undefined;
  return { type: m[1] as DirectoryType, id: m[2] };
}

/** The reference a Reference-typed element points at, if it is one corral may follow. */
export function linkOf(resource: Resource, element: 'partOf' | 'owner' | 'location' | 'managingOrganization', allowed: readonly DirectoryType[]) {
  const ref = resource[element];
  return typeof ref === 'object' && ref !== null ? asReference((ref as Record<string, unknown>).reference, allowed) : undefined;
}

/** A directory name, scrubbed like any free text and clamped: a name field is still text from outside. */
export function nameOf(resource: Resource | undefined): string | undefined {
  return clean(resource?.name);
}

function clean(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // The directory is input too: its names reach PostgreSQL in the event's context, after admission.
  const text = scrubText(withoutControls(value)).replace(/\s+/g, ' ').trim();
  if (text === '') return undefined;
  return clampText(text, 128);
}

/**
 * A facility (Organization or Location) and its `partOf` ancestors, nearest first: the facility's
 * own name, and the outermost ancestor's as the site.
 */
export function facilityPiece(found: Resource, ancestors: Resource[]): Piece {
  const facilityName = nameOf(found);
  const siteName = nameOf(ancestors.at(-1)) ?? facilityName;
  return { ...(facilityName ? { facilityName } : {}), ...(siteName ? { siteName } : {}) };
}

export function departmentPiece(found: Resource): Piece {
  const departmentName = nameOf(found);
  return departmentName ? { departmentName } : {};
}

/** A Location and its `partOf` chain, innermost first → the path outermost first; its top is the site. */
export function locationPiece(chain: Resource[]): Piece {
  const locationPath = chain.map(nameOf).filter((n): n is string => n !== undefined).reverse();
  if (locationPath.length === 0) return {};
  return { locationPath, siteName: locationPath[0] };
}

/**
 * A Device: its type, and its owner's name and location when it is equipment of the house. A
 * device assigned to a patient (an infusion pump on a patient, a wearable) says who by being where
 * it is: it is kept as a type only, and its owner and location are not even looked up.
 */
export function devicePiece(device: Resource, owner: Resource | undefined, locationChain: Resource[]): Piece {
  const deviceType = deviceTypeOf(device);
  if (isPatientBound(device)) return deviceType ? { deviceType } : {};
  const ownerRef = device.owner as Record<string, unknown> | undefined;
  const deviceOwner = nameOf(owner) ?? clean(typeof ownerRef === 'object' && ownerRef !== null ? ownerRef.display : undefined);
  return { ...(deviceType ? { deviceType } : {}), ...(deviceOwner ? { deviceOwner } : {}), ...locationPiece(locationChain) };
}

export function isPatientBound(device: Resource): boolean {
  return device.patient !== undefined && device.patient !== null;
}

function deviceTypeOf(device: Resource): string | undefined {
  const type = device.type as Record<string, unknown> | undefined;
  if (typeof type !== 'object' || type === null) return undefined;
  const coding = Array.isArray(type.coding) ? (type.coding[0] as Record<string, unknown> | undefined) : undefined;
  return clean(type.text) ?? clean(coding?.display) ?? clean(coding?.code);
}

/**
 * One event's context from the results of its lookups. `ok`: the directory answered every question
 * (not finding a code is an answer); `partial`: some answered, some could not be asked; `unavailable`:
 * none could. Fields outside `keep` are dropped. No lookups → no context.
 */
export function contextOf(results: Partial<Record<LookupKind, KeyResult>>, keep: ReadonlySet<ContextField>): EnrichedContext | undefined {
  const all = Object.values(results);
  if (all.length === 0) return undefined;
  const failed = all.filter((r) => r.outcome === 'failed').length;
  const piece = (kind: LookupKind): Piece => {
    const r = results[kind];
    return r?.outcome === 'found' ? r.piece : {};
  };
  const facility = piece('facility');
  const department = piece('department');
  const location = piece('location');
  const device = piece('device');
  const merged: Piece = {
    facilityName: facility.facilityName,
    siteName: location.siteName ?? facility.siteName ?? device.siteName,
    departmentName: department.departmentName,
    locationPath: location.locationPath ?? device.locationPath,
    deviceType: device.deviceType,
    deviceOwner: device.deviceOwner,
  };
  const kept = Object.fromEntries(Object.entries(merged).filter(([field, value]) => value !== undefined && keep.has(field as ContextField)));
  if (failed === all.length) return { enrichment: 'unavailable' };
  return { enrichment: failed > 0 ? 'partial' : 'ok', ...(kept as Piece) };
}

/** The names of the fields a piece holds, for the lookup record. */
export function fieldsOf(piece: Piece): ContextField[] {
  return (Object.keys(piece) as ContextField[]).filter((k) => piece[k] !== undefined);
}

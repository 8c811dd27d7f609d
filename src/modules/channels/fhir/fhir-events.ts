import type { FhirNotifiedType, FhirSubscriptionConfig } from './fhir-subscription-config.js';

/** A canonical event (DESIGN §3) as the intake takes it, before the privacy filter. */
export type CanonicalInput = Record<string, unknown>;

export type Mapped = { ok: true; event: CanonicalInput } | { ok: false; reason: string };

type State = { status: 'firing' | 'resolved'; severity: 'high' | 'medium'; what: string } | { ignore: string };

/**
 * One notified resource → one canonical event, read from an allow-list of fields: status, type,
 * location, owner, name. A Device's `patient`, `contained` resources, notes, serial numbers and
 * anything else are never read, so nothing of a chart can pass into corral whatever the server
 * sends. The event id is the resource's reference: its firing and resolving versions are one child.
 */
export function eventForResource(resource: Record<string, unknown>, config: FhirSubscriptionConfig, receivedAt: string): Mapped {
  const type = resource.resourceType;
  const id = typeof resource.id === 'string' && /^[A-Za-z0-9.-]{1,64}$/.test(resource.id) ? resource.id : undefined;
  if (typeof type !== 'string' || !(config.resourceTypes as readonly string[]).includes(type)) return { ok: false, reason: `${String(type)} is not a resource type this Subscription channel takes (${config.resourceTypes.join(', ')})` };
  if (!id) return { ok: false, reason: `${type} without a valid id` };
  const state = stateOf(type as FhirNotifiedType, resource);
  if ('ignore' in state) return { ok: false, reason: state.ignore };
  const reference = `${type}/${id}`;
  const system = systemOf(type as FhirNotifiedType, resource, reference, config);
  const facility = facilityOf(type as FhirNotifiedType, resource, config);
  const lastUpdated = (resource.meta as { lastUpdated?: unknown } | undefined)?.lastUpdated;
  const device = type === 'Device' ? id : type === 'DeviceMetric' ? referenceId(resource.source, 'Device') : undefined;
  return {
    ok: true,
    event: {
      schemaVersion: '1',
      id: `fhir:${reference}`,
      kind: 'alert',
      source: { type: 'canonical', system: config.server },
      occurredAt: typeof lastUpdated === 'string' && !Number.isNaN(Date.parse(lastUpdated)) ? new Date(lastUpdated).toISOString() : receivedAt,
      status: state.status,
      severity: state.severity,
      system,
      ...(facility ? { facility } : {}),
      symptom: `${type === 'Endpoint' ? 'interface endpoint' : 'device'} ${state.what}`,
      errorSignature: `fhir:${type}:${state.what.replace(/\s+/g, '-')}`,
      patientImpact: false,
      labels: { fhirResource: reference, ...(device ? { device } : {}) },
    },
  };
}

/** What the resource's status says: a problem (firing), over (resolved), or nothing to act on. */
function stateOf(type: FhirNotifiedType, resource: Record<string, unknown>): State {
  const status = typeof resource.status === 'string' ? resource.status : undefined;
  if (status === 'entered-in-error') return { ignore: `${type} entered in error` };
  if (type === 'Endpoint') {
    if (status === 'active') return { status: 'resolved', severity: 'medium', what: 'error' };
    if (status === 'error' || status === 'off') return { status: 'firing', severity: 'high', what: 'error' };
    if (status === 'suspended') return { status: 'firing', severity: 'medium', what: 'error' };
    return { ignore: `Endpoint status ${JSON.stringify(status)} says nothing about an outage` };
  }
  if (type === 'DeviceMetric') {
    const operational = resource.operationalStatus;
    if (operational === 'off') return { status: 'firing', severity: 'medium', what: 'offline' };
    if (operational === 'on') return { status: 'resolved', severity: 'medium', what: 'offline' };
    return { ignore: `DeviceMetric operationalStatus ${JSON.stringify(operational)} says nothing about an outage` };
  }
  // Device (R4): status with statusReason codes from http://terminology.hl7.org/CodeSystem/device-status-reason.
  const reasons = codesOf(resource.statusReason);
  const down = ['offline', 'hw-discon', 'transduc-discon', 'not-ready', 'off'].find((code) => reasons.includes(code));
  if (status === 'inactive' || down) return { status: 'firing', severity: 'high', what: 'offline' };
  if (status === 'active') return { status: 'resolved', severity: 'high', what: 'offline' };
  return { ignore: `Device status ${JSON.stringify(status)} says nothing about an outage` };
}

/**
 * The corral system: mapped by reference, then by type coding, else the kind and the coding's code
 * (`device-13288007`). Never the type's words (`text`, `display`): they are free text a person can
 * fill with anything, a patient's name included, and made into a code they would pass as one.
 */
function systemOf(type: FhirNotifiedType, resource: Record<string, unknown>, reference: string, config: FhirSubscriptionConfig): string {
  const byReference = config.systems[reference];
  if (byReference) return byReference;
  const codings = type === 'Endpoint' ? codingsOf(resource.connectionType) : codingsOf(resource.type);
  for (const coding of codings) {
    const mapped = config.systems[`${coding.system ?? ''}|${coding.code ?? ''}`] ?? (coding.code ? config.systems[coding.code] : undefined);
    if (mapped) return mapped;
  }
  const coded = codings.find((c) => typeof c.code === 'string' && CODED.test(c.code))?.code;
  const code = coded ? asCode(`${type === 'Endpoint' ? 'endpoint' : 'device'}-${coded}`) : undefined;
  return code ?? (type === 'Endpoint' ? 'fhir-endpoint' : 'device');
}

function facilityOf(type: FhirNotifiedType, resource: Record<string, unknown>, config: FhirSubscriptionConfig): string | undefined {
  const candidates = type === 'Endpoint' ? [resource.managingOrganization] : type === 'Device' ? [resource.location, resource.owner] : [resource.source];
  for (const candidate of candidates) {
    const reference = (candidate as { reference?: unknown } | undefined)?.reference;
    const match = typeof reference === 'string' ? /([A-Z][A-Za-z]+\/[A-Za-z0-9.-]{1,64})$/.exec(reference) : null;
    const facility = match?.[1] ? config.facilities[match[1]] : undefined;
    if (facility) return facility;
  }
  return undefined;
}

function referenceId(value: unknown, type: string): string | undefined {
  const reference = (value as { reference?: unknown } | undefined)?.reference;
  const match = typeof reference === 'string' ? new RegExp(`(?:^|/)${type}/([A-Za-z0-9.-]{1,64})$`).exec(reference) : null;
  return match?.[1];
}

function codingsOf(value: unknown): Array<{ system?: string; code?: string; display?: string }> {
  const concepts = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return concepts.flatMap((concept) => {
    if (typeof concept !== 'object' || concept === null) return [];
    // An R4 Endpoint's connectionType is a Coding, a Device's type a CodeableConcept.
    const codings = Array.isArray((concept as { coding?: unknown }).coding) ? ((concept as { coding: unknown[] }).coding) : [concept];
    return codings.flatMap((c) => (typeof c === 'object' && c !== null ? [c as { system?: string; code?: string; display?: string }] : []));
  });
}

function codesOf(value: unknown): string[] {
  return codingsOf(value).flatMap((c) => (typeof c.code === 'string' ? [c.code] : []));
}

/** A terminology's code (SNOMED `13288007`, `hl7-fhir-rest`): letters, digits and a few marks, no spaces. */
const CODED = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `device-13288007` as corral writes codes: lower case, runs of other characters as one `-`. */
function asCode(words: string): string | undefined {
  const code = words.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
  return code === '' ? undefined : code;
}

// Canonical event v1 (DESIGN §3): the one shape every adapter produces. Nothing downstream of the
// adapters knows which tool an event came from.

export const EVENT_KINDS = ['alert', 'report', 'identity', 'interface', 'command'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const SOURCE_TYPES = [
  'alertmanager',
  'grafana',
  'pagerduty',
  'mirth',
  'hl7',
  'scim',
  'okta',
  'helpdesk',
  'canonical',
] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export const EVENT_STATUSES = ['firing', 'resolved'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

// Ordered from most to least severe: an incident takes the most severe of its children.
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface EventSource {
  type: SourceType;
  system: string;
  instance?: string;
}

export interface Requester {
  /** HMAC of the user id under CORRAL_TOKEN_KEY; never the raw identity. */
  token: string;
  role?: string;
  department?: string;
}

/**
 * What corral learned about an event's place and equipment from the EHR's FHIR directory (names and
 * hierarchy only — never a patient). Set by corral's enricher after validation, never by producers.
 */
export interface EnrichedContext {
  enrichment: 'ok' | 'partial' | 'unavailable';
  facilityName?: string;
  siteName?: string;
  departmentName?: string;
  /** Site → building → ward, outermost first. */
  locationPath?: string[];
  deviceType?: string;
  deviceOwner?: string;
}

export interface CanonicalEvent {
  id: string;
  schemaVersion: '1';
  kind: EventKind;
  source: EventSource;
  occurredAt: string;
  receivedAt: string;
  status: EventStatus;
  severity: Severity;
  system: string;
  facility?: string;
  department?: string;
  location?: string;
  symptom: string;
  errorSignature?: string;
  requester?: Requester;
  patientImpact: boolean;
  labels?: Record<string, string>;
  correlationId: string;
  context?: EnrichedContext;
}

export function moreSevere(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) <= SEVERITIES.indexOf(b) ? a : b;
}

/** A child is one source event; this key is what makes a resend a repeat rather than a new child. */
export function childKeyOf(event: Pick<CanonicalEvent, 'id' | 'source'>): string {
  return `${event.source.system}|${event.id}`;
}

import { createHash } from 'node:crypto';
import type { EventKind, EventSource, EventStatus, Severity } from './canonical-event.js';

/** One source event folded into an incident: an alert instance, a clinician's report. */
export interface Child {
  key: string;
  id: string;
  kind: EventKind;
  source: EventSource;
  status: EventStatus;
  severity: Severity;
  firstSeen: string;
  /** occurredAt of the event that set the current status; older events cannot undo it. */
  changedAt: string;
  repeats: number;
  requesterToken?: string;
  facility?: string;
  department?: string;
}

export interface IncidentBody {
  id: string;
  signature: string;
  title: string;
  severity: Severity;
  system: string;
  facilities: string[];
  departments: string[];
  firstSeen: string;
  lastSeen: string;
  openedAt: string;
  resolvedAt: string | null;
  patientImpact: boolean;
  correlationId: string;
  children: Record<string, Child>;
}

export type IncidentState =
  | { status: 'none'; signature: string }
  | { status: 'open'; signature: string; incident: IncidentBody }
  | { status: 'resolved'; signature: string; incident: IncidentBody };

export type IncidentStatus = Exclude<IncidentState['status'], 'none'>;

export const emptyState = (signature: string): IncidentState => ({ status: 'none', signature });

/**
 * Incident ids are derived, not drawn at random, so that replaying the same journal on another
 * instance produces the same ids (episode lets a later issue open a new incident per episode).
 */
export function incidentIdFor(signature: string, episode: number): string {
  const hex = createHash('sha256').update(`${signature}#${episode}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function childrenOf(incident: IncidentBody): Child[] {
  return Object.values(incident.children);
}

export function distinctRequesters(incident: IncidentBody): number {
  const tokens = new Set<string>();
  for (const child of childrenOf(incident)) if (child.requesterToken) tokens.add(child.requesterToken);
  return tokens.size;
}

export function firingChildren(incident: IncidentBody): number {
  return childrenOf(incident).filter((child) => child.status === 'firing').length;
}

import type { CanonicalEvent } from './canonical-event.js';

/** Builds canonical events for the core's specs; every field has a plausible default. */
export function anEvent(overrides: Partial<CanonicalEvent> = {}): CanonicalEvent {
  return {
    id: 'alert-1',
    schemaVersion: '1',
    kind: 'alert',
    source: { type: 'alertmanager', system: 'prometheus' },
    occurredAt: '2026-11-24T07:00:00.000Z',
    receivedAt: '2026-11-24T07:00:01.000Z',
    status: 'firing',
    severity: 'high',
    system: 'epic-adt',
    facility: 'overlake',
    symptom: 'ADT feed stalled',
    errorSignature: 'QUEUE_STALLED',
    patientImpact: false,
    correlationId: 'corr-1',
    ...overrides,
  };
}

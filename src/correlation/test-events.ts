import type { CanonicalEvent } from './canonical-event.js';
import { compileRules, type RuleSet } from './rules.js';

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

/** A report as the helpdesk adapter makes it. */
export function aReport(id: string, symptom: string, overrides: Partial<CanonicalEvent> = {}): CanonicalEvent {
  const { errorSignature: _, ...base } = anEvent();
  return { ...base, id, kind: 'report', source: { type: 'helpdesk', system: 'servicenow' }, symptom, severity: 'medium', ...overrides };
}

/** Rules for specs: small, explicit windows; every section present so each behaviour can be shown. */
export function testRules(extra: Record<string, unknown[]> = {}): RuleSet {
  const base: Record<string, unknown[]> = {
    signatures: [
      { id: 'sig.identity', version: 1, match: { kinds: ['identity'] }, fields: ['system', 'errorSignature', 'facility'] },
      { id: 'sig.default', version: 2, fields: ['system', 'problem', 'facility'] },
    ],
    windows: [{ id: 'win.test', version: 1, groupWait: '30s', reopenWindow: '30m', autoResolveAfter: '4h', flapThreshold: 4, flapWindow: '10m' }],
    reports: [{ id: 'report.same-system', version: 1, sameFacility: true, attachAt: 0.6, suggestAt: 0.25 }],
    dependencies: [
      { id: 'dep.adt', version: 1, upstream: 'epic-adt', downstream: ['lab-interface', 'pharmacy-interface'] },
      { id: 'dep.lab', version: 1, upstream: 'lab-interface', downstream: ['lab-analyzer'] },
    ],
    maintenance: [{ id: 'mw.lab', version: 1, systems: ['lab-interface'], from: '2026-11-24T02:00:00Z', to: '2026-11-24T04:00:00Z' }],
    identity: [{ id: 'identity.recent', version: 1, actions: ['user.deactivated', 'mfa.reset'], within: '2h' }],
    priority: [
      { id: 'prio.p1-spread', version: 1, when: { patientImpact: true, minFacilities: 2 }, priority: 'P1' },
      { id: 'prio.p2-care', version: 1, when: { patientImpact: true }, priority: 'P2' },
      { id: 'prio.p3-high', version: 1, when: { severities: ['high', 'critical'] }, priority: 'P3' },
      { id: 'prio.p4', version: 1, priority: 'P4' },
    ],
    routing: [
      { id: 'route.major', version: 1, when: { patientImpact: true, minFacilities: 2 }, queue: 'major-incident' },
      { id: 'route.integration', version: 1, when: { kinds: ['interface'] }, queue: 'integration' },
      { id: 'route.facility', version: 1, when: { systems: ['printer-*'] }, queue: 'facility-desk.{facility}' },
      { id: 'route.apps', version: 1, when: { systems: ['epic-*'] }, queue: 'application-support' },
      { id: 'route.fallback', version: 1, queue: 'service-desk' },
    ],
    escalation: [{ id: 'esc.default', version: 1, queues: ['*'], steps: { P1: ['15m', '30m'], P2: ['1h'] } }],
  };
  return compileRules([{ file: 'test-rules.yaml', document: { ...base, ...extra } }]);
}

/** Instants for specs, as minutes after 07:00 on the test day. */
export const at = (minutes: number): Date => new Date(Date.UTC(2026, 10, 24, 7, 0) + minutes * 60_000);

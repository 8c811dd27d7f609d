import type { CanonicalEvent, SourceType } from '../../../correlation/canonical-event.js';
import { LATEST_AHEAD_MS } from '../admission.js';
import {
  array,
  finish,
  hostOf,
  instant,
  isZeroTime,
  normalizing,
  object,
  oneOf,
  optionalText,
  severityFrom,
  stableHash,
  stringMap,
  text,
  timestamp,
  truthy,
  type Json,
  type NormalizeContext,
  type Normalized,
} from './normalize-kit.js';

/**
 * Prometheus Alertmanager webhook v4. Every alert of the group is its own event, id
 * `<fingerprint>:<startsAt>`: a resend (group_interval, HA pair) is a repeat, and the resolve of
 * the same firing closes the same child. A resolve happens at `endsAt`, so it is newer than the
 * firing it ends whatever order they arrive in.
 */
export function normalizeAlertmanager(body: unknown, context: NormalizeContext): Normalized {
  return normalizing(() => {
    const payload = object(body, 'body');
    return { events: alertsOf(payload, 'alertmanager', context) };
  });
}

/** Shared with Grafana, whose webhook is Alertmanager's with a few fields more. */
export function alertsOf(payload: Json, type: SourceType, context: NormalizeContext, extraLabels: Record<string, string> = {}): CanonicalEvent[] {
  const alerts = array(payload.alerts, 'alerts', { nonEmpty: true });
  const instance = hostOf(optionalText(payload.externalURL, 'externalURL'));
  const receiver = optionalText(payload.receiver, 'receiver');
  const common = stringMap(payload.commonLabels, 'commonLabels');
  return alerts.map((raw, index) => {
    const field = `alerts[${index}]`;
    const alert = object(raw, field);
    const labels = { ...common, ...stringMap(alert.labels, `${field}.labels`) };
    const annotations = stringMap(alert.annotations, `${field}.annotations`);
    const startsAt = timestamp(alert.startsAt, `${field}.startsAt`, context);
    // Alertmanager before 0.19 sent no fingerprint: the label set is what it hashes, so do the same.
    const fingerprint = optionalText(alert.fingerprint, `${field}.fingerprint`) ?? stableHash(Object.entries(labels).sort());
    const endsAt = isZeroTime(alert.endsAt) ? undefined : optionalEnd(alert.endsAt, `${field}.endsAt`, context);
    const said = oneOf(alert.status ?? payload.status, `${field}.status`, ['firing', 'resolved'] as const);
    // A firing alert whose endsAt has passed is over: Alertmanager would call it resolved next time.
    const resolved = said === 'resolved' || (endsAt !== undefined && endsAt <= context.receivedAt.toISOString());
    const alertname = labels.alertname;
    return finish(
      {
        id: `${fingerprint}:${String(alert.startsAt)}`,
        kind: 'alert',
        source: { type, system: type, ...(instance ? { instance } : {}) },
        occurredAt: resolved ? (endsAt ?? context.receivedAt.toISOString()) : startsAt,
        status: resolved ? 'resolved' : 'firing',
        severity: severityFrom(labels.severity ?? labels.priority, 'medium'),
        system: labels.system ?? labels.service ?? labels.app ?? labels.job ?? alertname ?? receiver ?? type,
        symptom: annotations.summary ?? annotations.description ?? annotations.message ?? alertname ?? 'alert',
        errorSignature: alertname,
        facility: labels.facility,
        department: labels.department,
        patientImpact: truthy(labels.patient_impact ?? labels.patientImpact),
        labels: { ...labels, ...extraLabels, ...(receiver ? { receiver } : {}) },
      },
      context,
    );
  });
}

/**
 * When the alert ended. An end too far ahead for corral's range is no end yet (a firing alert's
 * endsAt is when it would time out); one before the range is refused like any date.
 */
function optionalEnd(value: unknown, field: string, context: NormalizeContext): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const time = /^\d{4}-\d{2}-\d{2}T/.test(text(value, field)) ? Date.parse(value as string) : NaN;
  return time > context.receivedAt.getTime() + LATEST_AHEAD_MS ? undefined : instant(time, field, context);
}

import type { CanonicalEvent, SourceType } from '../../../correlation/canonical-event.js';
import { EARLIEST_INSTANT, LATEST_AHEAD_MS } from '../admission.js';
import { fastInstant, fastIso } from '../instant.js';
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
  type RequestContext,
} from './normalize-kit.js';

/**
 * Prometheus Alertmanager webhook v4. Every alert of the group is its own event, id
 * `<fingerprint>:<startsAt>`: a resend (group_interval, HA pair) is a repeat, and the resolve of
 * the same firing closes the same child. A resolve happens at `endsAt`, so it is newer than the
 * firing it ends whatever order they arrive in.
 */
export function normalizeAlertmanager(body: unknown, context: NormalizeContext): Normalized {
  return normalizing(context, (request) => {
    const payload = object(body, 'body');
    return { events: alertsOf(payload, 'alertmanager', request) };
  });
}

/**
 * Shared with Grafana, whose webhook is Alertmanager's with a few fields more. One pass per alert
 * (a webhook carries up to thousands): its labels are copied once, onto the common ones, and read
 * from there; the fields are checked in the order they always were, so a 400 names the same field.
 */
export function alertsOf(payload: Json, type: SourceType, request: RequestContext, extraLabels: Record<string, string> = {}): CanonicalEvent[] {
  const alerts = array(payload.alerts, 'alerts', { nonEmpty: true });
  const instance = hostOf(optionalText(payload.externalURL, 'externalURL'));
  const receiver = optionalText(payload.receiver, 'receiver');
  const common = stringMap(payload.commonLabels, 'commonLabels');
  const source = { type, system: type, ...(instance ? { instance } : {}) };
  const events: CanonicalEvent[] = [];
  for (let index = 0; index < alerts.length; index += 1) {
    const field = `alerts[${index}]`;
    const alert = object(alerts[index], field);
    // The common labels, then the alert's own over them, as Alertmanager means them; built key by
    // key (a spread copy gave every alert's label object a map of its own: a quarter of the time in GC).
    const labels: Record<string, string> = {};
    for (const key in common) labels[key] = common[key];
    stringMap(alert.labels, `${field}.labels`, labels);
    const annotations = stringMap(alert.annotations, `${field}.annotations`);
    const startsAt = timestamp(alert.startsAt, `${field}.startsAt`, request);
    // Alertmanager before 0.19 sent no fingerprint: the label set is what it hashes, so do the same.
    const fingerprint = optionalText(alert.fingerprint, `${field}.fingerprint`) ?? stableHash(Object.entries(labels).sort());
    const endsAt = isZeroTime(alert.endsAt) ? undefined : optionalEnd(alert.endsAt, `${field}.endsAt`, request);
    const said = oneOf(alert.status ?? payload.status, `${field}.status`, ['firing', 'resolved'] as const);
    // A firing alert whose endsAt has passed is over: Alertmanager would call it resolved next time.
    const resolved = said === 'resolved' || (endsAt !== undefined && endsAt <= request.receivedAtIso);
    const alertname = labels.alertname;
    const draft = {
      id: `${fingerprint}:${String(alert.startsAt)}`,
      kind: 'alert' as const,
      source,
      occurredAt: resolved ? (endsAt ?? request.receivedAtIso) : startsAt,
      status: resolved ? ('resolved' as const) : ('firing' as const),
      severity: severityFrom(labels.severity ?? labels.priority, 'medium'),
      system: labels.system ?? labels.service ?? labels.app ?? labels.job ?? alertname ?? receiver ?? type,
      symptom: annotations.summary ?? annotations.description ?? annotations.message ?? alertname ?? 'alert',
      errorSignature: alertname,
      facility: labels.facility,
      department: labels.department,
      patientImpact: truthy(labels.patient_impact ?? labels.patientImpact),
      labels,
    };
    // The labels object is this alert's own copy: the extra labels go onto it, after the lookups above.
    for (const key in extraLabels) if (Object.hasOwn(extraLabels, key)) labels[key] = extraLabels[key];
    if (receiver) labels.receiver = receiver;
    events.push(finish(draft, request));
  }
  return events;
}

/**
 * When the alert ended. An end too far ahead for corral's range is no end yet (a firing alert's
 * endsAt is when it would time out); one before the range is refused like any date.
 */
function optionalEnd(value: unknown, field: string, request: RequestContext): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const given = text(value, field);
  const fast = fastInstant(given);
  if (fast >= EARLIEST_INSTANT && fast <= request.receivedAtMs + LATEST_AHEAD_MS) return fastIso(given);
  const time = /^\d{4}-\d{2}-\d{2}T/.test(given) ? Date.parse(given) : NaN;
  return time > request.receivedAtMs + LATEST_AHEAD_MS ? undefined : instant(time, field, request);
}

import { createHash } from 'node:crypto';
import {
  finish,
  finishResolve,
  instant,
  normalizing,
  object,
  oneOf,
  optionalObject,
  optionalText,
  severityFrom,
  stableHash,
  text,
  truthy,
  type Json,
  type NormalizeContext,
  type RequestContext,
  type Normalized,
} from './normalize-kit.js';

const ACTIONS = ['trigger', 'acknowledge', 'resolve'] as const;
const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

/**
 * The integration a PagerDuty event belongs to. PagerDuty scopes dedup keys per routing key, so
 * corral does too; the routing key itself is a credential and is only kept as a short hash.
 */
export function pagerDutySystem(routingKey: string): string {
  return `pagerduty-${createHash('sha256').update(routingKey).digest('hex').slice(0, 12)}`;
}

/**
 * The dedup key PagerDuty would answer with. PagerDuty invents a random one for a trigger without
 * it; corral derives it from the event instead, so that a retried trigger is still one event.
 */
export function pagerDutyDedupKey(body: Json): string {
  const given = optionalText(body.dedup_key, 'dedup_key');
  if (given) return given;
  const payload = optionalObject(body.payload, 'payload') ?? {};
  return stableHash(body.routing_key, payload.summary, payload.source, payload.component, payload.group, payload.class, payload.timestamp);
}

export type PagerDutyNormalized = Normalized & { dedupKey?: string };

/**
 * PagerDuty Events API v2: a trigger is an alert whose id is its dedup key; an acknowledge is a
 * human's business in the helpdesk and changes nothing here; a resolve closes the child with that
 * dedup key.
 */
export function normalizePagerDuty(body: unknown, context: NormalizeContext): PagerDutyNormalized {
  let dedupKey: string | undefined;
  const result = normalizing(context, (request) => {
    const event = object(body, 'body');
    const routingKey = text(event.routing_key, 'routing_key');
    const action = oneOf(event.event_action, 'event_action', ACTIONS);
    const system = pagerDutySystem(routingKey);
    if (action !== 'trigger') text(event.dedup_key, 'dedup_key');
    dedupKey = pagerDutyDedupKey(event);
    if (action === 'acknowledge') return { events: [], ignored: 1 };
    if (action === 'resolve') {
      return { events: [], resolves: [finishResolve({ source: { type: 'pagerduty', system }, id: dedupKey, occurredAt: request.receivedAtIso }, request)] };
    }
    const payload = object(event.payload, 'payload');
    const summary = text(payload.summary, 'payload.summary');
    const source = text(payload.source, 'payload.source');
    const severity = oneOf(payload.severity, 'payload.severity', SEVERITIES);
    const details = optionalObject(payload.custom_details, 'payload.custom_details') ?? {};
    const detail = (key: string) => (typeof details[key] === 'string' ? details[key] : undefined);
    const component = optionalText(payload.component, 'payload.component');
    const group = optionalText(payload.group, 'payload.group');
    const eventClass = optionalText(payload.class, 'payload.class');
    return {
      events: [
        finish(
          {
            id: dedupKey,
            kind: 'alert',
            source: { type: 'pagerduty', system, ...(optionalText(event.client, 'client') ? { instance: optionalText(event.client, 'client') } : {}) },
            occurredAt: lenientTimestamp(payload.timestamp, request) ?? request.receivedAtIso,
            status: 'firing',
            severity: severityFrom(severity, 'medium'),
            system: detail('system') ?? component ?? group ?? source,
            symptom: summary,
            errorSignature: eventClass,
            facility: detail('facility'),
            department: detail('department'),
            patientImpact: truthy(detail('patient_impact')),
            labels: { component, group, class: eventClass, severity },
          },
          request,
        ),
      ],
    };
  });
  return { ...result, ...(dedupKey ? { dedupKey } : {}) };
}

/**
 * PagerDuty accepts any timestamp and ignores one it cannot read; so does corral. One it can read
 * but that lies outside corral's range is refused like any date (instant).
 */
function lenientTimestamp(value: unknown, request: RequestContext): string | undefined {
  const time = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(time) ? undefined : instant(time, 'payload.timestamp', request);
}

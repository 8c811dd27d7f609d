import { HL7_TYPE } from './adapter-support.js';

/** What varies in a payload: its free text, an id (child key material), and a date. */
export interface Parts {
  text: string;
  id: string;
  /** An ISO 8601 instant; each source writes it in its own form. */
  date: string;
}

export interface Route {
  source: string;
  /** HTTP path; NATS subject tail is `source`. */
  path: string;
  contentType: string;
  body(parts: Parts): string;
  /** Field named when `id` is refused (the payload's own; HL7 text: the event's `id`), and when `date` is. */
  idField: string;
  dateField: string;
  /** Dates in this form only (SCIM: epoch seconds; HL7: DTM). */
  dateForm?: 'iso' | 'seconds' | 'hl7';
  /** A date it cannot read (an expanded year, ±YYYYYY) is ignored, as the tool itself does: the time of arrival stands in. */
  ignoresUnreadableDates?: true;
}

const hl7Time = (iso: string) => {
  const m = /^(-?\d+)-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(iso);
  return m ? `${m[1]}${m[2]}${m[3]}${m[4]}${m[5]}${m[6]}` : iso;
};

/**
 * One payload per ingest route, the shape each tool really sends, with the parts a test varies.
 * Every body is valid when its parts are.
 */
export const ROUTES: Route[] = [
  {
    source: 'canonical',
    path: '/v1/events',
    contentType: 'application/json',
    body: ({ text, id, date }) =>
      JSON.stringify({ id, schemaVersion: '1', kind: 'report', source: { type: 'helpdesk', system: 'servicenow' }, occurredAt: date, status: 'firing', severity: 'low', system: 'scheduling', symptom: text, patientImpact: false }),
    idField: 'id',
    dateField: 'occurredAt',
  },
  {
    source: 'alertmanager',
    path: '/v1/ingest/alertmanager',
    contentType: 'application/json',
    body: ({ text, id, date }) =>
      JSON.stringify({
        version: '4',
        status: 'firing',
        receiver: 'corral',
        alerts: [{ status: 'firing', fingerprint: id, labels: { alertname: 'Boundary', job: 'lab-feed' }, annotations: { summary: text }, startsAt: date, endsAt: '0001-01-01T00:00:00Z' }],
      }),
    idField: 'alerts[0].fingerprint',
    dateField: 'alerts[0].startsAt',
  },
  {
    source: 'grafana',
    path: '/v1/ingest/grafana',
    contentType: 'application/json',
    body: ({ text, id, date }) =>
      JSON.stringify({
        version: '1',
        orgId: 1,
        status: 'firing',
        receiver: 'corral',
        alerts: [{ status: 'firing', fingerprint: id, labels: { alertname: 'Boundary', job: 'pacs' }, annotations: { summary: text }, startsAt: date, endsAt: '0001-01-01T00:00:00Z' }],
      }),
    idField: 'alerts[0].fingerprint',
    dateField: 'alerts[0].startsAt',
  },
  {
    source: 'pagerduty',
    path: '/v1/ingest/pagerduty',
    contentType: 'application/json',
    body: ({ text, id, date }) =>
      JSON.stringify({ routing_key: 'boundary-routing-key', event_action: 'trigger', dedup_key: id, payload: { summary: text, source: 'db-host', severity: 'critical', component: 'mysql', timestamp: date } }),
    idField: 'dedup_key',
    dateField: 'payload.timestamp',
    ignoresUnreadableDates: true,
  },
  {
    source: 'mirth',
    path: '/v1/ingest/mirth',
    contentType: 'application/json',
    body: ({ text, id, date }) => JSON.stringify({ alertName: 'Errors', channelName: 'ADT-out', channelId: 'c-1', serverId: 'srv', messageId: id, error: text, errorType: 'Destination', date }),
    idField: 'messageId',
    dateField: 'date',
  },
  {
    source: 'hl7',
    path: '/v1/ingest/hl7',
    contentType: HL7_TYPE,
    body: ({ text, id, date }) => `MSH|^~\\&|LAB|NORTH|ADT|NORTH|${hl7Time(date)}||ACK^A01|${id}|P|2.5\rMSA|AE|${id}|${text}\r`,
    idField: 'id',
    dateField: 'MSH-7',
    dateForm: 'hl7',
    ignoresUnreadableDates: true,
  },
  {
    source: 'scim',
    path: '/v1/ingest/scim',
    contentType: 'application/scim+json',
    body: ({ text, id, date }) =>
      JSON.stringify({
        jti: id,
        iss: 'https://idp.example.org',
        toe: Date.parse(date) / 1000,
        sub_id: { format: 'scim', uri: '/Users/44f6142df96bd6ab61e7521d9' },
        events: { 'urn:ietf:params:scim:event:prov:create:full': { data: { userName: 'jdoe', name: { formatted: text } } } },
      }),
    idField: 'jti',
    dateField: 'toe',
    dateForm: 'seconds',
  },
  {
    source: 'okta',
    path: '/v1/ingest/okta',
    contentType: 'application/json',
    body: ({ text, id, date }) =>
      JSON.stringify({
        eventType: 'com.okta.event_hook',
        source: 'https://example.okta.com/api/v1/eventHooks/who8',
        data: { events: [{ uuid: id, eventType: 'user.lifecycle.create', published: date, displayMessage: text, severity: 'INFO', actor: { type: 'User', alternateId: 'admin@example.org' }, target: [{ type: 'User', alternateId: 'new.hire@example.org' }] }] },
      }),
    idField: 'data.events[0].uuid',
    dateField: 'data.events[0].published',
  },
  {
    source: 'helpdesk',
    path: '/v1/ingest/helpdesk',
    contentType: 'application/json',
    // Not a shared system (config/rules/05-systems.yaml): there, a report joins the system's active incident on the system alone, and these checks read the report's own incident.
    body: ({ text, id, date }) => JSON.stringify({ id, channel: 'email', text, requester: 'nurse.a@example.org', system: 'scheduling', occurredAt: date }),
    idField: 'id',
    dateField: 'occurredAt',
  },
];

import type { SchemaObject } from '@nestjs/swagger';
import { arr, bool, instant, obj, str } from '../../http/openapi-schema.js';

// Each tool's webhook body as its adapter reads it: the fields corral uses, required where the
// adapter refuses a body without them. The tools send more; corral ignores the rest, so these
// schemas allow other properties.

const labels = (description: string): SchemaObject => ({ type: 'object', additionalProperties: { type: 'string' }, description });
const open = (properties: Record<string, SchemaObject>, optional: readonly string[], description: string): SchemaObject => obj(properties, optional, { additionalProperties: true, description });

const ALERT = open(
  {
    status: str({ enum: ['firing', 'resolved'], description: "the alert's own status; the group's when absent" }),
    labels: labels('alertname, severity, system/service/job/app, facility, department, priority, patient_impact are read'),
    annotations: labels('summary, description or message become the symptom'),
    startsAt: instant(),
    endsAt: instant({ description: 'the zero time 0001-01-01T00:00:00Z means "not ended"' }),
    fingerprint: str(),
  },
  ['status', 'annotations', 'endsAt', 'fingerprint'],
  'one alert of the group',
);

const ALERTMANAGER_PROPERTIES = {
  version: str({ example: '4' }),
  status: str({ enum: ['firing', 'resolved'] }),
  receiver: str(),
  externalURL: str({ description: 'its host becomes source.instance' }),
  commonLabels: labels('labels every alert of the group shares'),
  alerts: arr(ALERT, { minItems: 1 }),
};
const ALERTMANAGER_OPTIONAL = ['version', 'status', 'receiver', 'externalURL', 'commonLabels'];

export const ALERTMANAGER_PAYLOAD = open(ALERTMANAGER_PROPERTIES, ALERTMANAGER_OPTIONAL, 'Prometheus Alertmanager webhook, version 4');

export const GRAFANA_PAYLOAD = open({ ...ALERTMANAGER_PROPERTIES, orgId: { type: 'integer' } }, [...ALERTMANAGER_OPTIONAL, 'orgId'], 'Grafana alerting webhook (Alertmanager v4 with a few fields more)');

export const PAGERDUTY_PAYLOAD = open(
  {
    routing_key: str(),
    event_action: str({ enum: ['trigger', 'acknowledge', 'resolve'] }),
    dedup_key: str({ description: 'required unless event_action is trigger; the event id' }),
    client: str({ description: 'becomes source.instance' }),
    payload: open(
      {
        summary: str(),
        source: str({ description: 'the affected system' }),
        severity: str({ enum: ['critical', 'error', 'warning', 'info'] }),
        timestamp: instant(),
        component: str(),
        group: str(),
        class: str(),
        custom_details: { type: 'object', additionalProperties: true, description: 'facility, department, patient_impact are read' },
      },
      ['timestamp', 'component', 'group', 'class', 'custom_details'],
      'what happened',
    ),
  },
  ['dedup_key', 'client'],
  'PagerDuty Events API v2 event',
);

export const PAGERDUTY_ACCEPTED = obj({ status: str({ enum: ['success'] }), message: str({ example: 'Event processed' }), dedup_key: str() });

export const PAGERDUTY_INVALID = obj(
  {
    status: str({ enum: ['invalid event'] }),
    message: str({ example: 'Event object is invalid' }),
    errors: arr(str()),
    statusCode: { type: 'integer', enum: [400] },
    error: str({ example: 'Bad Request' }),
    details: arr(obj({ field: str(), problems: arr(str()) })),
  },
  ['details'],
  { description: "PagerDuty's own error shape, with corral's (statusCode, error, details) beside it" },
);

export const MIRTH_PAYLOAD = open(
  {
    alertId: str(),
    alertName: str(),
    serverId: str({ description: 'source.system becomes mirth-<serverId>' }),
    date: str(),
    channelId: str({ description: 'channelName or channelId is required' }),
    channelName: str(),
    connectorName: str(),
    messageId: str(),
    error: str({ description: 'error or errorMessage is required; only its scrubbed first line is kept' }),
    errorMessage: str(),
    errorType: str(),
    severity: str(),
    facility: str(),
    department: str(),
  },
  ['alertId', 'alertName', 'serverId', 'date', 'channelId', 'channelName', 'connectorName', 'messageId', 'error', 'errorMessage', 'errorType', 'severity', 'facility', 'department'],
  "Mirth / NextGen Connect alert, as an alert action's JSON template renders it",
);

export const SCIM_PAYLOAD = open(
  {
    iss: str(),
    jti: str({ description: 'the event id' }),
    iat: { type: 'integer' },
    sub_id: open({ uri: str(), externalId: str() }, ['uri', 'externalId'], 'the subject'),
    events: {
      type: 'object',
      description: 'urn:ietf:params:scim:event:prov:* (create, patch, put, activate, deactivate, delete), each with its data',
      additionalProperties: { type: 'object', additionalProperties: true },
    },
  },
  ['iss', 'iat', 'sub_id'],
  'SCIM 2.0 provisioning Security Event Token (RFC 9967), decoded to its JSON claims',
);

export const OKTA_PAYLOAD = open(
  {
    eventType: str({ example: 'com.okta.event_hook' }),
    source: str({ description: 'the Okta org URL; its host becomes source.instance' }),
    data: obj({
      events: arr(
        open(
          {
            uuid: str(),
            published: instant(),
            eventType: str({ example: 'user.lifecycle.deactivate' }),
            displayMessage: str(),
            severity: str(),
            outcome: open({ result: str() }, ['result'], 'SUCCESS, FAILURE, …'),
            actor: open({ id: str(), alternateId: str() }, ['id', 'alternateId'], 'who did it'),
            target: arr(open({ id: str(), alternateId: str(), type: str() }, ['id', 'alternateId', 'type'], 'what it was done to')),
          },
          ['published', 'displayMessage', 'severity', 'outcome', 'actor', 'target'],
          'one Okta System Log event',
        ),
      ),
    }),
  },
  ['eventType', 'source'],
  'Okta event hook delivery',
);

export const HELPDESK_PAYLOAD = open(
  {
    id: str({ description: "the helpdesk's ticket or message id; a hash of the report stands in when absent" }),
    channel: str({ enum: ['email', 'chat', 'portal', 'phone'] }),
    text: str({ description: 'what the person said; scrubbed of identifiers' }),
    requester: {
      description: 'who reported (an e-mail, a login, an id, or an object); only its token is kept',
      oneOf: [str(), open({ id: str(), email: str(), login: str(), role: str(), department: str() }, ['id', 'email', 'login', 'role', 'department'], 'id, email or login is required')],
    },
    helpdesk: str({ description: "the helpdesk it came from (a helpdesk's name in the helpdesk file, e.g. rt): becomes source.system, and with it id is that helpdesk's ticket (labels.helpdeskTicket), linked to the incident's ticket there and resolved with it" }),
    system: str(),
    facility: str(),
    department: str(),
    occurredAt: instant(),
    severity: str(),
    priority: str(),
    patientImpact: bool(),
  },
  ['id', 'helpdesk', 'system', 'facility', 'department', 'occurredAt', 'severity', 'priority', 'patientImpact'],
  "a person's report, as a helpdesk relays it",
);

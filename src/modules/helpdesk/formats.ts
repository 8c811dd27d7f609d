import type { TicketEvent } from '../../correlation/tickets.js';
import type { WebhookTarget } from './helpdesk-config.js';
import { clampText } from '../ingest/unicode.js';

// What each helpdesk or chat tool expects, from one ticket event. Pure: the relay signs and sends.

const SERVICENOW_STATE: Record<string, number> = { 'ticket.opened': 1, 'ticket.reopened': 1, 'ticket.updated': 2, 'ticket.flapping': 2, 'ticket.escalated': 2, 'ticket.resolved': 6, 'ticket.merged': 7 };
// ServiceNow derives priority from impact × urgency; these pairs give P1..P4 in its default matrix.
const SERVICENOW_IMPACT_URGENCY: Record<string, [number, number]> = { P1: [1, 1], P2: [1, 2], P3: [2, 2], P4: [3, 3] };
const JSM_PRIORITY: Record<string, string> = { P1: 'Highest', P2: 'High', P3: 'Medium', P4: 'Low' };

export function formatFor(target: WebhookTarget, ticket: TicketEvent, publicUrl: string): unknown {
  switch (target.format) {
    case 'corral':
    case 'json':
      return ticket;
    case 'servicenow':
      return serviceNow(ticket);
    case 'jsm':
      return jiraServiceManagement(ticket, target.projectKey ?? 'IT');
    case 'slack':
      return slack(ticket, publicUrl);
    case 'teams':
      return teams(ticket, publicUrl);
    default:
      throw new Error(`unknown format ${String(target.format)}`);
  }
}

function spread(ticket: TicketEvent): string {
  const { incident } = ticket;
  const where = incident.facilities.length > 0 ? incident.facilities.join(', ') : 'no facility given';
  const departments = incident.departments.length > 0 ? `; departments: ${incident.departments.join(', ')}` : '';
  return `${incident.childCount} reports/alerts from ${incident.distinctRequesters} people; facilities: ${where}${departments}${incident.patientImpact ? '; PATIENT CARE AFFECTED' : ''}`;
}

function summaryLine(ticket: TicketEvent): string {
  return clampText(`[${ticket.incident.priority}] ${ticket.incident.system}: ${ticket.incident.title}`, 160);
}

/** A ServiceNow-style incident record (import set / scripted REST). */
function serviceNow(ticket: TicketEvent): Record<string, unknown> {
  const { incident } = ticket;
  const [impact, urgency] = SERVICENOW_IMPACT_URGENCY[incident.priority] ?? [3, 3];
  return {
    correlation_id: incident.id,
    correlation_display: 'corral',
    u_event_key: ticket.eventKey,
    u_event_type: ticket.type,
    short_description: summaryLine(ticket),
    description: `${spread(ticket)}\nSignature: ${incident.signature}\nRouted by: ${incident.routingRuleId}`,
    impact,
    urgency,
    assignment_group: incident.queue,
    state: SERVICENOW_STATE[ticket.type] ?? 2,
    parent: incident.parentId ?? '',
    cmdb_ci: incident.system,
    work_notes: ticket.type === 'ticket.opened' ? '' : `${ticket.type}: ${JSON.stringify(ticket.details)}; ${ticket.children.length} children changed`,
    u_notify_tokens: ticket.notify,
  };
}

/** Jira Service Management: an issue create on opening, a comment (and transition) afterwards. */
function jiraServiceManagement(ticket: TicketEvent, projectKey: string): Record<string, unknown> {
  const { incident } = ticket;
  const corral = { eventKey: ticket.eventKey, type: ticket.type, incidentId: incident.id };
  if (ticket.type === 'ticket.opened') {
    return {
      corral,
      fields: {
        project: { key: projectKey },
        issuetype: { name: 'Incident' },
        summary: summaryLine(ticket),
        description: `${spread(ticket)}\n\ncorral incident ${incident.id} (${incident.signature})`,
        priority: { name: JSM_PRIORITY[incident.priority] ?? 'Medium' },
        labels: ['corral', incident.queue.replace(/\./g, '-'), incident.system],
      },
    };
  }
  const comment = { add: { body: `corral ${ticket.type}: ${spread(ticket)} ${JSON.stringify(ticket.details)}` } };
  const transition = ticket.type === 'ticket.resolved' ? { transition: { name: 'Resolve' } } : ticket.type === 'ticket.reopened' ? { transition: { name: 'Reopen' } } : {};
  return { corral, update: { comment: [comment], priority: [{ set: { name: JSM_PRIORITY[incident.priority] ?? 'Medium' } }] }, ...transition };
}

function link(ticket: TicketEvent, publicUrl: string): string {
  return `${publicUrl.replace(/\/$/, '')}/v1/incidents/${ticket.incident.id}`;
}

/** Slack-compatible incoming webhook: readable text with priority, queue, spread and a link. */
function slack(ticket: TicketEvent, publicUrl: string): Record<string, unknown> {
  const step = typeof ticket.details.step === 'number' ? ` (escalation step ${ticket.details.step})` : '';
  const text = `:rotating_light: *${summaryLine(ticket)}*${step}\nQueue *${ticket.incident.queue}* — ${spread(ticket)}\n<${link(ticket, publicUrl)}|Open in corral>`;
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}

/** Microsoft Teams incoming webhook (MessageCard). */
function teams(ticket: TicketEvent, publicUrl: string): Record<string, unknown> {
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: summaryLine(ticket),
    themeColor: ticket.incident.priority === 'P1' ? 'D13438' : 'FFB900',
    title: summaryLine(ticket),
    sections: [
      {
        facts: [
          { name: 'Event', value: ticket.type },
          { name: 'Queue', value: ticket.incident.queue },
          { name: 'Spread', value: spread(ticket) },
          ...(typeof ticket.details.step === 'number' ? [{ name: 'Escalation step', value: String(ticket.details.step) }] : []),
        ],
      },
    ],
    potentialAction: [{ '@type': 'OpenUri', name: 'Open in corral', targets: [{ os: 'default', uri: link(ticket, publicUrl) }] }],
  };
}

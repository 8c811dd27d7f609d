import { HELPDESK_RECORD_KEY } from '../../../correlation/privacy.js';
import {
  FieldError,
  finish,
  normalizing,
  object,
  oneOf,
  optionalText,
  optionalTimestamp,
  severityFrom,
  stableHash,
  text,
  type NormalizeContext,
  type Normalized,
} from './normalize-kit.js';

const CHANNELS = ['email', 'chat', 'portal', 'phone'] as const;

/**
 * A person's report as a helpdesk relays it: `{ id?, channel, text, requester, system?, facility?,
 * department?, occurredAt? }`. The helpdesk's own ticket or message id is the event id; without
 * one, a hash of what was reported stands in, so a re-sent report is still one report. The
 * requester (an e-mail, a login, an id; or `{ id, role?, department? }`) only survives as a token,
 * and an e-mail's domain as `labels.requesterDomain` (the organisation, which says the facility
 * where a system's hospitals keep their own domains; never the person). With `helpdesk` (the name
 * of the helpdesk it came from), an id with the shape of a helpdesk's record key (RT `4711`,
 * ServiceNow `INC0012345`, Jira `OPS-123`) is that helpdesk's ticket, `labels.helpdeskTicket`,
 * which the privacy table keeps by that shape so resolving the incident can resolve the ticket.
 */
export function normalizeHelpdesk(body: unknown, context: NormalizeContext): Normalized {
  return normalizing(context, (request) => {
    const report = object(body, 'body');
    const channel = oneOf(report.channel, 'channel', CHANNELS);
    const said = text(report.text, 'text');
    const requester = requesterOf(report.requester);
    const occurredAt = optionalTimestamp(report.occurredAt, 'occurredAt', request);
    const system = optionalText(report.system, 'system');
    const facility = optionalText(report.facility, 'facility');
    const department = optionalText(report.department, 'department') ?? requester.department;
    if (report.patientImpact !== undefined && typeof report.patientImpact !== 'boolean') throw new FieldError('patientImpact', 'must be a boolean');
    const given = optionalText(report.id, 'id');
    const id = given ?? `r:${stableHash(channel, requester.id.trim().toLowerCase(), said, system, facility, occurredAt)}`;
    const helpdesk = optionalText(report.helpdesk, 'helpdesk');
    return {
      events: [
        finish(
          {
            id,
            kind: 'report',
            source: { type: 'helpdesk', system: helpdesk ?? 'helpdesk' },
            occurredAt: occurredAt ?? request.receivedAtIso,
            status: 'firing',
            severity: severityFrom(optionalText(report.priority, 'priority') ?? optionalText(report.severity, 'severity'), 'medium'),
            system: system ?? 'unknown',
            symptom: said,
            facility,
            department,
            requesterId: requester.id,
            requesterRole: requester.role,
            patientImpact: report.patientImpact === true,
            labels: { channel, requesterDomain: domainOf(requester.id), helpdeskTicket: helpdesk && given && HELPDESK_RECORD_KEY.test(given) ? given : undefined },
          },
          request,
        ),
      ],
    };
  });
}

/** The domain of an e-mail address (`rn.mcarter@lakeside.example` → `lakeside.example`): an organisation, not a person. */
function domainOf(id: string): string | undefined {
  const domain = /^[^@\s]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+)$/i.exec(id.trim())?.[1];
  return domain?.toLowerCase();
}

function requesterOf(value: unknown): { id: string; role?: string | undefined; department?: string | undefined } {
  if (typeof value === 'string' || typeof value === 'number') return { id: text(String(value), 'requester') };
  const requester = object(value, 'requester');
  const id = optionalText(requester.id, 'requester.id') ?? optionalText(requester.email, 'requester.email') ?? optionalText(requester.login, 'requester.login');
  if (!id) throw new FieldError('requester.id', 'must be a non-empty string (or give requester as a string)');
  return { id, role: optionalText(requester.role, 'requester.role'), department: optionalText(requester.department, 'requester.department') };
}

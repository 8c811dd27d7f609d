import type { HelpdeskKind } from './helpdesk-config.js';

/**
 * What a helpdesk's status means for the incident, by the words each one uses: RT's default
 * lifecycle (`resolved`, `rejected` / `open`), ServiceNow's incident states (6 Resolved, 7 Closed,
 * 8 Canceled / 1 New, 2 In Progress, 3 On Hold; by value or label), Jira Service Management's
 * statuses (Resolved, Done, Closed, Canceled, Declined / Reopened, Open, In Progress, Waiting for
 * support). Any other status (RT's `new` and `stalled`, a custom one) changes nothing. The callback
 * route and the poller read a helpdesk's status through this one table.
 */
const ENDS: Record<HelpdeskKind, ReadonlySet<string>> = {
  rt: new Set(['resolved', 'rejected']),
  servicenow: new Set(['6', '7', '8', 'resolved', 'closed', 'canceled', 'cancelled']),
  jsm: new Set(['resolved', 'done', 'closed', 'canceled', 'cancelled', 'declined', 'completed']),
};
const REOPENS: Record<HelpdeskKind, ReadonlySet<string>> = {
  rt: new Set(['open']),
  servicenow: new Set(['1', '2', '3', 'new', 'in progress', 'on hold']),
  jsm: new Set(['reopened', 'open', 'in progress', 'waiting for support', 'work in progress']),
};

/** The command a helpdesk's status asks of the incident, if any. */
export function verbForStatus(kind: HelpdeskKind, status: string): 'resolve' | 'reopen' | undefined {
  const word = status.trim().toLowerCase();
  return ENDS[kind].has(word) ? 'resolve' : REOPENS[kind].has(word) ? 'reopen' : undefined;
}

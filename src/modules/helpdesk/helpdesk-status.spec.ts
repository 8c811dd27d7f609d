import { verbForStatus } from './helpdesk-status.js';

describe('a helpdesk status, as a command on the incident', () => {
  it.each([
    ['rt', 'resolved', 'resolve'],
    ['rt', 'rejected', 'resolve'],
    ['rt', 'open', 'reopen'],
    ['rt', 'new', undefined],
    ['rt', 'stalled', undefined],
    ['servicenow', '6', 'resolve'],
    ['servicenow', 'Closed', 'resolve'],
    ['servicenow', '8', 'resolve'],
    ['servicenow', '2', 'reopen'],
    ['servicenow', 'In Progress', 'reopen'],
    ['servicenow', 'On Hold', 'reopen'],
    ['jsm', 'Done', 'resolve'],
    ['jsm', 'Declined', 'resolve'],
    ['jsm', ' Waiting for support ', 'reopen'],
    ['jsm', 'Reopened', 'reopen'],
    ['jsm', 'Escalated to vendor', undefined],
  ] as const)('%s %j → %s', (kind, status, verb) => {
    expect(verbForStatus(kind, status)).toBe(verb);
  });

  it('does not read one helpdesk’s words as another’s: ServiceNow’s state 6 means nothing to RT', () => {
    expect(verbForStatus('rt', '6')).toBeUndefined();
    expect(verbForStatus('servicenow', 'done')).toBeUndefined();
  });
});

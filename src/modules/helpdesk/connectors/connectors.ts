import type { HelpdeskTarget } from '../helpdesk-config.js';
import type { HelpdeskConnector } from './connector.js';
import { JsmConnector } from './jsm.js';
import { RtConnector } from './rt.js';
import { ServiceNowConnector } from './servicenow.js';

/** The connector for a helpdesk of the helpdesk file, by its `kind`. */
export function connectorFor(target: HelpdeskTarget): HelpdeskConnector {
  switch (target.kind) {
    case 'rt':
      return new RtConnector(target);
    case 'servicenow':
      return new ServiceNowConnector(target);
    case 'jsm':
      return new JsmConnector(target);
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { helpdeskOf, type HelpdeskConfig, type HelpdeskTarget } from '../helpdesk-config.js';
import { HELPDESK } from '../tokens.js';
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

/**
 * One connector per helpdesk destination, for the relay and the poller alike: what a connector
 * learns (ServiceNow's assignment group ids) is learned once.
 */
@Injectable()
export class HelpdeskConnectors {
  private readonly byDestination = new Map<string, HelpdeskConnector>();

  constructor(@Inject(HELPDESK) private readonly helpdesk: HelpdeskConfig) {}

  /** The connector of `helpdesk:<name>`, or undefined when the helpdesk file no longer names it. */
  of(destination: string): { target: HelpdeskTarget; connector: HelpdeskConnector } | undefined {
    const target = helpdeskOf(this.helpdesk, destination);
    if (!target) return undefined;
    let connector = this.byDestination.get(destination);
    if (!connector) this.byDestination.set(destination, (connector = connectorFor(target)));
    return { target, connector };
  }
}

import { Injectable } from '@nestjs/common';
import { ConflictError } from '../http/domain-errors.js';
import { IncidentCommandsService } from './incident-commands.service.js';

/** What a helpdesk's status did to the incident. */
export type SyncOutcome = 'resolved' | 'reopened' | 'unchanged';

/**
 * A helpdesk's own resolve or reopen of corral's ticket, however it was learned (its callback, or
 * the poller asking it), as the same command through the incident's actor: journaled and audited as
 * `by`, marked with its origin so the ticket event it makes is not told back to that helpdesk. What
 * already holds is unchanged, not a conflict: corral's own resolve comes back this way too.
 */
@Injectable()
export class HelpdeskStatusSync {
  constructor(private readonly commands: IncidentCommandsService) {}

  async apply(incidentId: string, destination: string, verb: 'resolve' | 'reopen' | undefined, by: string): Promise<SyncOutcome> {
    if (!verb) return 'unchanged';
    try {
      await this.commands.run(incidentId, () => Promise.resolve({ verb, by, origin: destination }));
    } catch (error) {
      // Already resolved, or not resolved to reopen: what the helpdesk says already holds.
      if (error instanceof ConflictError) return 'unchanged';
      throw error;
    }
    return verb === 'resolve' ? 'resolved' : 'reopened';
  }
}

import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HelpdeskConnectors } from '../helpdesk/connectors/connectors.js';
import type { HelpdeskConfig, HelpdeskTarget } from '../helpdesk/helpdesk-config.js';
import { verbForStatus } from '../helpdesk/helpdesk-status.js';
import { HelpdeskTicketsRepository } from '../helpdesk/helpdesk-tickets.repository.js';
import { HELPDESK } from '../helpdesk/tokens.js';
import type { Clock } from '../../actors/clock.js';
import { CLOCK } from '../runtime/tokens.js';
import { HelpdeskStatusSync, type SyncOutcome } from './helpdesk-status-sync.js';

/** Tickets asked about per helpdesk and round: the newest, so a long backlog cannot make a round slow. */
const ROUND_LIMIT = 200;
/** A resolved incident's ticket is watched for a reopen this long after the resolve. */
const REOPEN_WATCH_MS = 24 * 3600_000;

/**
 * Where a helpdesk cannot call back (no Scrip, business rule or automation allowed), corral asks it:
 * every `poll` of a helpdesk in the helpdesk file, the status of corral's tickets there, read as the
 * callback reads it (helpdesk-status.ts) and applied the same way (HelpdeskStatusSync), as
 * `helpdesk-poll for <kind>:<name>`. A round asks one ticket at a time: a helpdesk's API is a shared
 * service with rate limits, and a few hundred questions a few minutes apart are enough.
 */
@Injectable()
export class HelpdeskPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('HelpdeskPoller');
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Map<string, Promise<SyncOutcome[]>>();

  constructor(
    @Inject(HELPDESK) private readonly helpdesk: HelpdeskConfig,
    private readonly tickets: HelpdeskTicketsRepository,
    private readonly sync: HelpdeskStatusSync,
    private readonly connectors: HelpdeskConnectors,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    for (const target of this.helpdesk.helpdesks) {
      if (target.pollMs !== undefined) this.timers.push(setInterval(() => void this.round(target.name), target.pollMs));
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.allSettled(this.running.values());
  }

  /** One round for one helpdesk (concurrent calls share it): what each ticket's status did. */
  round(name: string): Promise<SyncOutcome[]> {
    const target = this.helpdesk.helpdesks.find((t) => t.name === name);
    if (!target) return Promise.resolve([]);
    let running = this.running.get(name);
    if (!running) {
      running = this.ask(target)
        .catch((error: unknown) => {
          this.logger.warn(`helpdesk:${name}: polling failed, will ask again in ${target.pollMs ?? 0} ms (${error instanceof Error ? error.message : String(error)})`);
          return [];
        })
        .finally(() => this.running.delete(name));
      this.running.set(name, running);
    }
    return running;
  }

  private async ask(target: HelpdeskTarget): Promise<SyncOutcome[]> {
    const destination = `helpdesk:${target.name}`;
    const connector = this.connectors.of(destination)?.connector;
    if (!connector) return [];
    const outcomes: SyncOutcome[] = [];
    const since = new Date(this.clock.now().getTime() - REOPEN_WATCH_MS);
    for (const ticket of await this.tickets.toPoll(destination, since, ROUND_LIMIT)) {
      const status = await connector.status(ticket.externalId);
      const verb = status === undefined ? undefined : verbForStatus(target.kind, status);
      // Only a difference is news: a resolved ticket of an open incident, an open one of a resolved incident.
      const news = (verb === 'resolve' && ticket.status === 'open') || (verb === 'reopen' && ticket.status === 'resolved');
      outcomes.push(news ? await this.sync.apply(ticket.incidentId, destination, verb, `helpdesk-poll for ${target.kind}:${target.name}`) : 'unchanged');
    }
    return outcomes;
  }
}

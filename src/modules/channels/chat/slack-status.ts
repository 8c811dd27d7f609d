import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '../../../actors/clock.js';
import { CODE } from '../../../correlation/privacy.js';
import { CorralConfig } from '../../config/corral-config.js';
import type { IncidentView } from '../../incidents/incident.views.js';
import { IncidentsService } from '../../incidents/incidents.service.js';
import { ListIncidentsQuery } from '../../incidents/list-incidents.query.js';
import { CLOCK } from '../../runtime/tokens.js';
import { isPublic } from '../known-issues/known-issues.view.js';
import { ChatSystems } from './chat-systems.js';
import { COMMAND_USAGE, statusAnswer } from './reply-wording.js';

const ACTIVE = ['open', 'acknowledged', 'flapping'] as const;
/** Read per status: more active incidents than this are a day no chat line describes anyway. */
const READ_PER_STATUS = 200;

/** The answer a slash command gives: ephemeral, seen only by the person who typed it. */
export interface SlashAnswer {
  response_type: 'ephemeral';
  text: string;
}

/**
 * `/corral status [system]`: the active incidents, for the channel's site when the channel has
 * one (an incident with no site named is everyone's), most urgent first. Read-only: the incident
 * read models, through the same service as GET /v1/incidents.
 */
@Injectable()
export class SlackStatusCommand {
  constructor(
    private readonly incidents: IncidentsService,
    private readonly systems: ChatSystems,
    private readonly config: CorralConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async answer(form: URLSearchParams): Promise<SlashAnswer> {
    const [verb = 'status', system, ...rest] = (form.get('text') ?? '').trim().split(/\s+/).filter((word) => word !== '');
    if (verb.toLowerCase() !== 'status' || rest.length > 0 || (system !== undefined && !CODE.test(system))) return { response_type: 'ephemeral', text: COMMAND_USAGE };
    const slack = this.config.channels.slack;
    const facility = slack?.channels.get(form.get('channel_id') ?? '')?.facility;
    const code = system === undefined ? undefined : this.systems.codeOf(system);
    const smallCount = this.config.auth.smallCountThreshold;
    const active = (await this.active()).filter(
      // An incident that names no site is everyone's; privacy investigations and a few people's
      // accounts are nobody's business in a channel (known-issues.view.ts isPublic).
      (incident) => isPublic(incident, smallCount) && (!facility || incident.facilities.length === 0 || incident.facilities.includes(facility)) && (!code || incident.system === code),
    );
    const speaking = { timeZone: slack?.timeZone ?? 'UTC', now: this.clock.now() };
    const scope = { ...(facility ? { facility } : {}), ...(code ? { system: this.systems.nameOf(code) ?? code } : {}) };
    const described = active.map((incident) => this.systems.described({ ...incident, since: incident.firstSeen, reporters: incident.distinctRequesters }));
    return { response_type: 'ephemeral', text: statusAnswer(described, scope, speaking, smallCount) };
  }

  /** Every active incident, P1 first, the oldest first within a priority. */
  private async active(): Promise<IncidentView[]> {
    const pages = await Promise.all(ACTIVE.map((status) => this.incidents.list(Object.assign(new ListIncidentsQuery(), { status, limit: READ_PER_STATUS }))));
    return pages.flatMap((page) => page.items).sort((a, b) => a.priority.localeCompare(b.priority) || a.firstSeen.localeCompare(b.firstSeen));
  }
}

import type { ChannelParts } from '../channel-parts.js';
import { KnownIssuesPageController } from './known-issues-page.controller.js';
import { KnownIssuesController } from './known-issues.controller.js';
import { KnownIssuesRepository } from './known-issues.repository.js';
import { KnownIssuesService } from './known-issues.service.js';

/** The clinicians' known-issues page, its API, the agents' notes and the signed links. */
export const KNOWN_ISSUES_CHANNEL: ChannelParts = { controllers: [KnownIssuesController, KnownIssuesPageController], providers: [KnownIssuesRepository, KnownIssuesService] };

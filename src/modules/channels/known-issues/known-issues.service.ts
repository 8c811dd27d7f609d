import { randomBytes } from 'node:crypto';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../../../actors/clock.js';
import { Correlator } from '../../../actors/correlator.js';
import { eventIdToken } from '../../../correlation/privacy.js';
import { scrubText } from '../../../correlation/scrub.js';
import type { Principal } from '../../auth/roles.js';
import { CorralConfig } from '../../config/corral-config.js';
import { InvalidInputError, NotFoundError } from '../../http/domain-errors.js';
import { displayNamesOf } from '../../dashboard/site-names.js';
import { CLOCK } from '../../runtime/tokens.js';
import { ChannelIntake } from '../channel-intake.js';
import type { KnownIssuesConfig } from './known-issues-config.js';
import { KnownIssuesRepository } from './known-issues.repository.js';
import { isPublic, localTime, toKnownIssue, type KnownIssue } from './known-issues.view.js';
import { checkLink, linkQuery, scopeOf, type LinkScope } from './signed-link.js';

export interface KnownIssuesPage {
  /** What the page shows: one facility, one system, both, or everything. */
  scope: { facility?: string; system?: string };
  issues: KnownIssue[];
  /** When this answer was read, in the page's zone ("07:15"), and as an instant. */
  asOf: string;
  asOfLocal: string;
}

export type MeTooOutcome = 'joined' | 'already' | 'pending' | 'enough';

const MAX_NOTE = 500;
/**
 * "Me too"s taken per client address and problem in an hour. A ward's PCs often share one address
 * (NAT), so this is generous; it bounds what a script holding a link can add to a problem's
 * count of people (a priority rule can escalate on it) to a number a ward could really send.
 */
const ME_TOO_PER_ADDRESS = 25;
const ME_TOO_WINDOW_MS = 3_600_000;
const PAGE_LIMIT = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The clinicians' page of active problems (README "Known-issues page"): what is broken, where,
 * since when, what the team says; and a "me too" that files the person's report on the incident
 * instead of a phone call. Read without an agent key through a signed link, or with any key.
 */
@Injectable()
export class KnownIssuesService {
  private readonly settings: KnownIssuesConfig;
  /** Per instance: with several, each counts its own (a bound, not an exact quota). */
  private readonly meTooByAddress = new LRUCache<string, number>({ max: 100_000, ttl: ME_TOO_WINDOW_MS, noUpdateTTL: true });

  constructor(
    private readonly issues: KnownIssuesRepository,
    private readonly intake: ChannelIntake,
    private readonly correlator: Correlator,
    private readonly config: CorralConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.settings = config.channels.knownIssues;
  }

  /**
   * The scope a request may see: a caller with a key any scope it asks for; anyone else the scope
   * their signed link was made for, or nothing.
   */
  scopeFor(principal: Principal | undefined, query: Record<string, unknown>): LinkScope {
    if (principal) {
      const asked = scopeOf(query.facility, query.system, '0');
      if (!asked.ok) throw new InvalidInputError(asked.reason);
      return asked.scope;
    }
    const secret = this.settings.linkSecret;
    if (!secret) throw new UnauthorizedException('this page needs an API key here: no link secret is configured (knownIssues.linkSecretEnv in the channels file) for links without one');
    const link = checkLink(secret, query, this.clock.now().getTime());
    if (!link.ok) throw new UnauthorizedException(link.reason);
    return link.scope;
  }

  async page(scope: LinkScope): Promise<KnownIssuesPage> {
    const now = this.clock.now();
    const rows = await this.issues.issues(scope, new Date(now.getTime() - this.settings.showResolvedMs), PAGE_LIMIT);
    const smallCount = this.config.auth.smallCountThreshold;
    const names = displayNamesOf(this.correlator.rules.lexicon);
    return {
      scope: { ...(scope.facility ? { facility: scope.facility } : {}), ...(scope.system ? { system: scope.system } : {}) },
      issues: rows.filter((row) => isPublic(row, smallCount)).map((row) => toKnownIssue(row, { timeZone: this.settings.timeZone, smallCount, now, names })),
      asOf: now.toISOString(),
      asOfLocal: localTime(now, now, this.settings.timeZone),
    };
  }

  /**
   * "Me too": the person's report, filed on the incident as a report of its system at the page's
   * facility (or the incident's first), so correlation puts it there like any call would. The
   * visitor id (a random cookie) is the requester: one browser counts once per incident.
   */
  async meToo(incidentId: string, scope: LinkScope, visitor: string, address: string, correlationId: string): Promise<MeTooOutcome> {
    if (!UUID.test(incidentId)) throw new InvalidInputError('incident id must be a UUID');
    const row = await this.issues.activeIssue(incidentId);
    const smallCount = this.config.auth.smallCountThreshold;
    const outsideScope = (scope.facility && row && row.facilities.length > 0 && !row.facilities.some((f) => f.toLowerCase() === scope.facility)) || (scope.system && row && row.system.toLowerCase() !== scope.system);
    if (!row || !isPublic(row, smallCount) || outsideScope) {
      throw new NotFoundError('no such active problem on this page (it may have been fixed): reload the page');
    }
    const id = `known-issues:${incidentId}:${visitor}`;
    // Said before: a second report would only count as a repeat; the person is told so instead.
    if (await this.issues.holdsChild(incidentId, eventIdToken(this.config.tokenKey, id))) return 'already';
    const key = `${address}|${incidentId}`;
    const counted = this.meTooByAddress.get(key) ?? 0;
    if (counted >= ME_TOO_PER_ADDRESS) return 'enough';
    this.meTooByAddress.set(key, counted + 1);
    const facility = scope.facility ?? row.facilities[0];
    const name = displayNamesOf(this.correlator.rules.lexicon).system(row.system) ?? row.system;
    const outcome = await this.intake.report(
      {
        id,
        channel: 'portal',
        via: 'known-issues',
        text: `Me too: ${name} is not working for me`,
        requester: `known-issues:${visitor}`,
        system: row.system,
        ...(facility ? { facility } : {}),
      },
      correlationId,
    );
    if (outcome.kind === 'refused') throw new InvalidInputError(outcome.reason);
    return outcome.kind === 'duplicate' ? 'already' : outcome.kind === 'joined' ? 'joined' : 'pending';
  }

  /**
   * An agent's words for clinicians. They go on a page anyone on the ward reads, so a note that
   * the privacy filter would change (a name, an MRN, a phone number) is refused, not published
   * scrubbed: the agent rewrites it.
   */
  async setNote(incidentId: string, note: string, eta: string | null | undefined, principal: Principal): Promise<void> {
    if (!UUID.test(incidentId)) throw new InvalidInputError('incident id must be a UUID');
    if (note.trim() === '' || note.length > MAX_NOTE) throw new InvalidInputError(`note must say what clinicians should do, in at most ${MAX_NOTE} characters`);
    if (scrubText(note) !== note) throw new InvalidInputError('note looks like it holds a patient or personal identifier (a name, record number, phone or e-mail); it is shown to every clinician: write it without');
    if (!(await this.issues.activeIssue(incidentId))) throw new NotFoundError(`no active incident ${incidentId}`);
    await this.issues.setNote(incidentId, note.trim(), eta ? new Date(eta) : null, principal.name, this.clock.now());
  }

  async clearNote(incidentId: string): Promise<void> {
    if (!UUID.test(incidentId)) throw new InvalidInputError('incident id must be a UUID');
    await this.issues.clearNote(incidentId);
  }

  /** A signed link to the page for a ward or a site (admin): `{ facility?, system?, days? }`. */
  link({ facility, system, days }: { facility?: string; system?: string; days?: number }): { url: string; expires: string } {
    const secret = this.settings.linkSecret;
    if (!secret) throw new InvalidInputError('no link secret is configured: set knownIssues.linkSecretEnv in the channels file, then restart');
    const ttl = days !== undefined ? days * 86_400_000 : this.settings.linkTtlMs;
    const expires = Math.floor((this.clock.now().getTime() + ttl) / 1000);
    const scope = scopeOf(facility, system, String(expires));
    if (!scope.ok) throw new InvalidInputError(scope.reason);
    return { url: `${this.config.helpdesk.publicUrl}/known-issues?${linkQuery(secret, scope.scope).toString()}`, expires: new Date(expires * 1000).toISOString() };
  }

  /** A fresh visitor id for a browser without one. */
  static newVisitor(): string {
    return randomBytes(16).toString('base64url');
  }
}

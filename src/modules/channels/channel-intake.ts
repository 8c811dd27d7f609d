import { Injectable } from '@nestjs/common';
import { systemClock } from '../../actors/clock.js';
import { IncidentsService } from '../incidents/incidents.service.js';
import { IngestService } from '../ingest/ingest.service.js';
import { NativeIngestService, type Admitted } from '../ingest/native-ingest.service.js';
import type { NativeSource } from '../ingest/sources/registry.js';

/** A person's report as a channel read it: the helpdesk relay's shape (ingest/sources/helpdesk.ts). */
export interface ChannelReport {
  /** Stable per message (a Message-ID, a Slack event's channel and ts): a message delivered twice is one report. */
  id: string;
  channel: 'email' | 'chat' | 'portal' | 'phone';
  /** The channel it came through, kept as the event's source system: `email`, `slack`, `teams`, `known-issues`. */
  via: string;
  text: string;
  /** Tokenized by the intake; an e-mail's domain is kept as `labels.requesterDomain`. */
  requester: string | { id: string; role?: string; department?: string };
  system?: string;
  facility?: string;
  department?: string;
  occurredAt?: string;
}

/** The incident a report joined, in the words a reply to its reporter needs (no patient data, no requester). */
export interface JoinedIncident {
  id: string;
  system: string;
  priority: string;
  status: string;
  /** When corral first saw the problem (ISO). */
  since: string;
  /** People who reported it, this one included. */
  reporters: number;
  facilities: string[];
}

export type ReportOutcome =
  | { kind: 'joined'; incident: JoinedIncident }
  /** The same message again (a retry, a re-read mailbox): nothing new was kept. */
  | { kind: 'duplicate' }
  /** Durable in the inbox, not yet correlated within the wait. */
  | { kind: 'pending' }
  /** Not a report corral can take (the privacy filter's or the shape's reason). */
  | { kind: 'refused'; reason: string };

/** A report durable in the inbox, whose incident `joined` waits for (bounded); or why there is none to wait for. */
export type Kept = Extract<ReportOutcome, { kind: 'duplicate' | 'refused' }> | { kind: 'kept'; joined: (waitMs: number) => Promise<ReportOutcome> };

/**
 * Every human channel's way in: the report goes through the helpdesk relay's adapter (privacy
 * filter, tokens) and the log-first intake like any other, and the channel learns which incident it
 * joined, to tell the person. A failure to commit (the inbox full, the database down) is thrown:
 * the channel keeps the message and tries again later.
 */
@Injectable()
export class ChannelIntake {
  constructor(
    private readonly native: NativeIngestService,
    private readonly ingest: IngestService,
    private readonly incidents: IncidentsService,
  ) {}

  /** The report durable, then the incident it joined within `waitMs` (pending if not yet correlated). */
  async report(report: ChannelReport, correlationId: string, waitMs = 5_000): Promise<ReportOutcome> {
    const kept = await this.keep(report, correlationId);
    return kept.kind === 'kept' ? kept.joined(waitMs) : kept;
  }

  /**
   * The report made durable (or refused, or known already): what a channel that must answer its
   * sender within seconds (Slack, Teams) acknowledges, apart from waiting for correlation. A failure
   * to commit is thrown.
   */
  async keep(report: ChannelReport, correlationId: string): Promise<Kept> {
    const { via, ...rest } = report;
    const checked = this.native.normalize('helpdesk', { ...rest, helpdesk: via }, correlationId);
    if (!checked.ok) return { kind: 'refused', reason: checked.reason };
    const committed = await this.native.commit(checked.normalized);
    if (committed.accepted === 0 && committed.duplicates > 0) return { kind: 'duplicate' };
    if (committed.rejected.length > 0 && committed.accepted === 0) return { kind: 'refused', reason: committed.rejected[0]?.reason ?? 'refused' };
    const taken = committed.taken;
    if (!taken) return { kind: 'kept', joined: () => Promise.resolve({ kind: 'pending' }) };
    return {
      kind: 'kept',
      joined: async (waitMs) => {
        const landed = await this.ingest.landed(taken, waitMs, (i) => i);
        const incidentId = landed.incidents.find((l) => l.incidentId)?.incidentId;
        return incidentId ? { kind: 'joined', incident: await this.joined(incidentId) } : { kind: 'pending' };
      },
    };
  }

  /** The incident as a reply describes it: codes, counts and times, never its title (a person's words, when a report opened it). */
  async joined(incidentId: string): Promise<JoinedIncident> {
    const incident = await this.incidents.get(incidentId);
    return {
      id: incident.id,
      system: incident.system,
      priority: incident.priority,
      status: incident.status,
      since: incident.firstSeen,
      reporters: incident.distinctRequesters,
      facilities: incident.facilities,
    };
  }

  /**
   * A machine channel's batch (a file's HL7 messages, a CSV export's rows as canonical events):
   * each item checked on its own, through the source's adapter or as a canonical event (privacy
   * filter included either way), and every one that passed committed in one append, so a chunk is
   * durable whole or not at all. A refused item is named by its index, never blocks the others. A
   * failure to commit is thrown: the channel keeps the items and tries again later.
   */
  async batch(source: NativeSource | 'canonical', items: readonly unknown[], correlationId: string): Promise<{ accepted: number; duplicates: number; ignored: number; refused: Array<{ index: number; reason: string }> }> {
    // Arrival on the system clock, as every intake path stamps it (NativeIngestService.normalize).
    const receivedAt = systemClock.now().toISOString();
    const normalized: Admitted = { events: [], resolves: [], ignored: 0 };
    const eventOwners: number[] = [];
    const resolveOwners: number[] = [];
    const refused: Array<{ index: number; reason: string }> = [];
    for (const [index, item] of items.entries()) {
      if (source === 'canonical') {
        const parsed = this.ingest.parse(item, correlationId, receivedAt);
        if (parsed.ok) {
          normalized.events.push(parsed.event);
          eventOwners.push(index);
        } else refused.push({ index, reason: parsed.reason });
        continue;
      }
      const checked = this.native.normalize(source, item, correlationId);
      if (!checked.ok) {
        refused.push({ index, reason: checked.reason });
        continue;
      }
      normalized.events.push(...checked.normalized.events);
      normalized.resolves.push(...checked.normalized.resolves);
      normalized.ignored += checked.normalized.ignored;
      eventOwners.push(...checked.normalized.events.map(() => index));
      resolveOwners.push(...checked.normalized.resolves.map(() => index));
    }
    const committed = await this.native.commit(normalized);
    // Set aside by the runtime (several instances): numbered among the inputs, events then resolves.
    const owners = [...eventOwners, ...resolveOwners];
    for (const { index, reason } of committed.rejected) refused.push({ index: owners[index] ?? -1, reason });
    return { accepted: committed.accepted, duplicates: committed.duplicates, ignored: committed.ignored, refused };
  }
}

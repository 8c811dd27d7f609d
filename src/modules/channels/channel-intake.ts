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
  title: string;
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

  async report(report: ChannelReport, correlationId: string, waitMs = 5_000): Promise<ReportOutcome> {
    const { via, ...rest } = report;
    const outcome = await this.take('helpdesk', { ...rest, helpdesk: via }, correlationId, waitMs);
    if (outcome.kind !== 'taken') return outcome;
    const incidentId = outcome.incidentIds[0];
    if (incidentId === undefined) return { kind: 'pending' };
    return { kind: 'joined', incident: await this.joined(incidentId) };
  }

  /**
   * A machine channel's payload (a file's HL7 messages, a FHIR notification's events) through a
   * source adapter: taken, duplicates counted, or refused with the adapter's reason.
   */
  async events(source: NativeSource, body: unknown, correlationId: string): Promise<{ kind: 'refused'; reason: string } | { kind: 'duplicate' } | { kind: 'taken'; accepted: number; duplicates: number; ignored: number }> {
    const checked = this.native.normalize(source, body, correlationId);
    if (!checked.ok) return { kind: 'refused', reason: checked.reason };
    const committed = await this.native.commit(checked.normalized);
    if (committed.accepted === 0 && committed.duplicates > 0) return { kind: 'duplicate' };
    return { kind: 'taken', accepted: committed.accepted, duplicates: committed.duplicates, ignored: committed.ignored };
  }

  /** The incident as a reply describes it. */
  async joined(incidentId: string): Promise<JoinedIncident> {
    const incident = await this.incidents.get(incidentId);
    return {
      id: incident.id,
      title: incident.title,
      system: incident.system,
      priority: incident.priority,
      status: incident.status,
      since: incident.firstSeen,
      reporters: incident.distinctRequesters,
      facilities: incident.facilities,
    };
  }

  private async take(source: NativeSource, body: unknown, correlationId: string, waitMs: number): Promise<Exclude<ReportOutcome, { kind: 'joined' }> | { kind: 'taken'; incidentIds: string[] }> {
    const checked = this.native.normalize(source, body, correlationId);
    if (!checked.ok) return { kind: 'refused', reason: checked.reason };
    const committed = await this.native.commit(checked.normalized);
    if (committed.accepted === 0 && committed.duplicates > 0) return { kind: 'duplicate' };
    if (committed.rejected.length > 0 && committed.accepted === 0) return { kind: 'refused', reason: committed.rejected[0]?.reason ?? 'refused' };
    if (!committed.taken) return { kind: 'pending' };
    const landed = await this.ingest.landed(committed.taken, waitMs, (i) => i);
    return { kind: 'taken', incidentIds: landed.incidents.flatMap((l) => (l.incidentId ? [l.incidentId] : [])) };
  }

  /**
   * A machine channel's batch (a file's HL7 messages, a CSV export's rows as canonical events):
   * each item checked on its own, through the source's adapter or as a canonical event (privacy
   * filter included either way), and every one that passed committed in one append, so a chunk is
   * durable whole or not at all. A refused item is named by its index, never blocks the others. A
   * failure to commit is thrown: the channel keeps the items and tries again later.
   */
  async batch(source: NativeSource | 'canonical', items: readonly unknown[], correlationId: string): Promise<{ accepted: number; duplicates: number; ignored: number; refused: Array<{ index: number; reason: string }> }> {
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

import { Injectable } from '@nestjs/common';
import type { Outcome } from '../../actors/batch-executor.js';
import type { CanonicalEvent } from '../../correlation/canonical-event.js';
import type { Quarantine } from '../../correlation/correlator.js';
import { ClusterRouter } from '../cluster/cluster-router.js';
import { CorralConfig } from '../config/corral-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { Enricher } from '../enrichment/enricher.js';
import { commitFailure, InvalidInputError, TooLargeError, type RejectedItem } from '../http/domain-errors.js';
import type { AdmittedEvent } from './admission.js';
import { parseCanonical, type Parsed } from './canonical-intake.js';
import { MAX_EVENTS_PER_REQUEST, MAX_REJECTED_LISTED } from './limits.js';

export interface IngestResult {
  accepted: number;
  duplicates: number;
  /** The first MAX_REJECTED_LISTED refused events of the array, with their reasons. */
  rejected: Array<{ index: number; reason: string }>;
  /** How many more were refused than `rejected` lists; absent when it lists them all. */
  moreRejected?: number;
}

/** The inputs the runtime set aside (Outcome.quarantined), by their place among the outcomes. */
export function quarantinedOf(outcomes: readonly Outcome[]): Array<{ index: number; quarantine: Quarantine }> {
  return outcomes.flatMap((o, index) => (o.quarantined ? [{ index, quarantine: o.quarantined }] : []));
}

/** The door every event comes through, whatever carried it: validate, filter, correlate, commit. */
@Injectable()
export class IngestService {
  constructor(
    /** The batcher, or with several instances the owner's partition (ClusterRouter). */
    private readonly router: ClusterRouter,
    private readonly config: CorralConfig,
    private readonly enricher: Enricher,
    private readonly metrics: MetricsService,
  ) {}

  parse(raw: unknown, correlationId?: string): Parsed {
    return parseCanonical(raw, { tokenKey: this.config.tokenKey, receivedAt: new Date(), ...(correlationId ? { correlationId } : {}) });
  }

  /**
   * Resolves once every event is committed; rejects if the batch could not be. `addressed` are
   * events for a known incident's signature (a resolve that names only a child), already carrying
   * that incident's context: they are not enriched, and they go in the same submission as the
   * others, so that one transport message commits in one batch, all or nothing (its receipt is
   * claimed once).
   */
  submit(events: AdmittedEvent[], addressed: Array<{ signature: string; event: AdmittedEvent; position: number }> = []): Promise<Outcome[]> {
    // An addressed event's position counts after every event of its message, so that it stays the
    // same on a redelivery that can address more (or fewer) of them.
    const positions = addressed.length > 0 ? [...events.map((_, i) => i), ...addressed.map((a) => events.length + a.position)] : undefined;
    const toBatch = (ready: CanonicalEvent[]) =>
      this.router.submit([...ready.map((event) => ({ type: 'event' as const, event })), ...addressed.map(({ signature, event }) => ({ type: 'event' as const, event, signature }))], positions);
    // Directory context is added here, the one door every path shares; it never throws and waits at
    // most FHIR_TIMEOUT_MS (README "Enrichment"). Without FHIR_BASE_URL, events go straight on.
    return this.enricher.enabled && events.length > 0 ? this.enricher.enrich(events).then(toBatch) : toBatch(events);
  }

  /**
   * HTTP semantics: an invalid single event, or a batch with nothing valid in it, is a 400 naming
   * the failing fields; otherwise the valid events are committed and the invalid ones listed.
   */
  async ingestHttp(body: unknown, correlationId: string): Promise<IngestResult> {
    const items = Array.isArray(body) ? (body as unknown[]) : [body];
    if (items.length === 0) throw new InvalidInputError('expected one canonical event or a non-empty array of them');
    if (items.length > MAX_EVENTS_PER_REQUEST) throw new TooLargeError(`at most ${MAX_EVENTS_PER_REQUEST} events per request; this one has ${items.length}: send them in several`);
    const parsed = items.map((item) => this.parse(item, correlationId));
    const rejected: RejectedItem[] = parsed.flatMap((p, index) => (p.ok ? [] : [{ index, reason: p.reason, fields: p.fields }]));
    const valid = parsed.flatMap((p) => (p.ok ? [p.event] : []));
    if (rejected.length > 0) this.metrics.eventsRejected('canonical', rejected.length);
    // The answer lists what a sender needs to find its mistake, not one reason per item of a flood.
    const listed = rejected.slice(0, MAX_REJECTED_LISTED);
    const unlisted = rejected.length - listed.length;
    if (valid.length === 0) {
      const message = Array.isArray(body)
        ? `no valid event in the array${unlisted > 0 ? ` (${rejected.length} refused; the first ${listed.length} are listed)` : ''}`
        : `invalid event: ${rejected[0]?.reason ?? ''}`;
      throw new InvalidInputError(message, Array.isArray(body) ? listed : rejected[0]?.fields);
    }
    const outcomes = await this.submit(valid).catch((error: unknown) => {
      throw commitFailure(error);
    });
    // Events the runtime set aside (the database refused them, or correlating them threw) are
    // refused alone, like invalid ones; the others of the request were committed.
    const setAside = quarantinedOf(outcomes);
    if (setAside.length > 0) {
      const validIndex = parsed.flatMap((p, index) => (p.ok ? [index] : []));
      this.metrics.eventsRejected('canonical', setAside.length);
      for (const { index, quarantine } of setAside) rejected.push({ index: validIndex[index], reason: quarantine.detail, fields: [] });
      rejected.sort((a, b) => a.index - b.index);
      if (setAside.length === outcomes.length) {
        const message = Array.isArray(body) ? 'no event in the array could be accepted' : `the event ${setAside[0]?.quarantine.detail ?? ''}`;
        throw new InvalidInputError(message, Array.isArray(body) ? rejected.slice(0, MAX_REJECTED_LISTED) : undefined);
      }
    }
    const duplicates = outcomes.filter((o) => o.duplicate).length;
    const shown = setAside.length > 0 ? rejected.slice(0, MAX_REJECTED_LISTED) : listed;
    const more = rejected.length - shown.length;
    return {
      accepted: outcomes.length - duplicates - setAside.length,
      duplicates,
      rejected: shown.map(({ index, reason }) => ({ index, reason })),
      ...(more > 0 ? { moreRejected: more } : {}),
    };
  }
}

import { systemClock } from '../../actors/clock.js';
import { Injectable } from '@nestjs/common';
import type { Outcome } from '../../actors/batch-executor.js';
import type { Input, Quarantine, ResolveInput } from '../../correlation/inputs.js';
import { PrivacyMemo } from '../../correlation/privacy.js';
import { ClusterRouter, type Delivery } from '../cluster/cluster-router.js';
import { CorralConfig } from '../config/corral-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { Enricher } from '../enrichment/enricher.js';
import { commitFailure, InvalidInputError } from '../http/domain-errors.js';
import { Inbox } from '../inbox/inbox.service.js';
import type { EncodedEntry } from '../inbox/inbox-writer.js';
import type { AdmittedEvent } from './admission.js';
import { parseCanonical, type Parsed } from './canonical-intake.js';
import { checkCanonical, inboxEntries, sourceOf, type CanonicalChecked } from './intake-prep.js';
import { IntakePool } from './intake-pool/intake-pool.js';
import { bodyValue, isRawJson } from './json-body.js';
import { MAX_REJECTED_LISTED } from './limits.js';

/** Where one event of a request landed, when the request waited for correlation. */
export interface LandedIn {
  index: number;
  /** The incident it joined; null for an exact resend, one set aside, or one still waiting. */
  incidentId: string | null;
  /** Why the runtime set it aside after its 202 (it is in the dead letters). */
  setAside?: string;
  /** Why it changed nothing (a resolve for a child corral does not hold). */
  ignored?: string;
}

/** What a request asked to wait for correlation gets besides its counts. */
export interface WaitAnswer {
  /** Every accepted event of the request was correlated within the wait. */
  correlated: boolean;
  incidents: LandedIn[];
}

export interface IngestResult extends Partial<WaitAnswer> {
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

/**
 * What taking a submission did. `positions` (the inbox): each input's inbox position, null for an
 * exact resend. With several instances there is no inbox: the inputs were committed or forwarded,
 * and `outcomes` says how.
 */
export type Taken = { kind: 'inbox'; positions: Array<number | null> } | { kind: 'committed'; outcomes: Outcome[] };

/**
 * Counts of a taken submission, whichever way it went. `ignored`: committed and found to change
 * nothing (a resolve for a child no incident holds); with the inbox that is known only later.
 */
export function countsOf(taken: Taken): { accepted: number; duplicates: number; ignored: number; setAside: Array<{ index: number; quarantine: Quarantine }> } {
  if (taken.kind === 'inbox') {
    const duplicates = taken.positions.filter((p) => p === null).length;
    return { accepted: taken.positions.length - duplicates, duplicates, ignored: 0, setAside: [] };
  }
  const setAside = quarantinedOf(taken.outcomes);
  const duplicates = taken.outcomes.filter((o) => o.duplicate).length;
  const ignored = taken.outcomes.filter((o) => o.ignored !== undefined).length;
  return { accepted: taken.outcomes.length - duplicates - ignored - setAside.length, duplicates, ignored, setAside };
}

/** The door every event comes through, whatever carried it: validate, filter, append to the inbox. */
@Injectable()
export class IngestService {
  constructor(
    /** With several instances: the owner's partition (there is no inbox then). */
    private readonly router: ClusterRouter,
    private readonly inbox: Inbox,
    private readonly config: CorralConfig,
    private readonly enricher: Enricher,
    private readonly metrics: MetricsService,
    private readonly pool: IntakePool,
  ) {}

  /**
   * `receivedAt` and `memo` are the request's, shared by all its events (see IntakeContext).
   * `receivedAt` is the system clock's, not the runtime's Clock: a fact about the outside world,
   * checked against the senders' own instants (admission refuses an event from the future).
   */
  parse(raw: unknown, correlationId?: string, receivedAt: Date | string = systemClock.now(), memo?: PrivacyMemo): Parsed {
    return parseCanonical(raw, { tokenKey: this.config.tokenKey, receivedAt, ...(correlationId ? { correlationId } : {}), ...(memo ? { memo } : {}) });
  }

  /**
   * Resolves once every input is durable in the inbox (one append, all or nothing), with each
   * one's position; rejects if the append failed or correlation lags too far (nothing kept).
   * `resolves` (a resolve that names only its child) follow the events, in the same append: the
   * correlator finds their incident when it reaches them, after the events before them. With
   * several instances the inputs go to their owners instead, each named by its place (events,
   * then resolves), and `delivery` names the transport message, committed with them.
   */
  take(events: AdmittedEvent[], resolves: ResolveInput[] = [], delivery: Delivery = {}): Promise<Taken> {
    const toLog = (ready: AdmittedEvent[]): Promise<Taken> => {
      if (!this.inbox.enabled) {
        const inputs: Input[] = [...ready.map((event): Input => ({ type: 'event', event })), ...resolves];
        return this.router.submit(inputs, delivery).then((outcomes) => ({ kind: 'committed', outcomes }));
      }
      return this.inbox.append(inboxEntries(ready, resolves), sourceOf(ready, resolves)).then((positions) => ({ kind: 'inbox', positions }));
    };
    // Directory context is added here, the one door every path shares; it never throws and waits at
    // most FHIR_TIMEOUT_MS (README "Enrichment"). Without FHIR_BASE_URL, events go straight on. A
    // resolve carries its child's context when the correlator makes it that child's event.
    return this.enricher.enabled && events.length > 0 ? this.enricher.enrich(events).then((ready) => toLog(ready as AdmittedEvent[])) : toLog(events);
  }

  /**
   * When the caller asked to wait: where each taken event landed, once correlated or when the wait
   * runs out. `indexOf` maps a taken input back to its place in the request.
   */
  async landed(taken: Taken, waitMs: number, indexOf: (i: number) => number): Promise<WaitAnswer> {
    if (taken.kind === 'committed') {
      return { correlated: true, incidents: taken.outcomes.map((o, i) => ({ index: indexOf(i), incidentId: o.incidentId, ...(o.quarantined ? { setAside: o.quarantined.detail } : {}), ...(o.ignored ? { ignored: o.ignored } : {}) })) };
    }
    const positions = taken.positions.flatMap((p) => (p === null ? [] : [p]));
    const results = await this.inbox.whenCorrelated(positions, waitMs);
    const byPosition = new Map(positions.map((p, k) => [p, results[k]]));
    const incidents = taken.positions.map((p, i): LandedIn => {
      const landed = p === null ? undefined : byPosition.get(p);
      return { index: indexOf(i), incidentId: landed?.incidentId ?? null, ...(landed?.quarantined ? { setAside: landed.quarantined.detail } : {}), ...(landed?.ignored ? { ignored: landed.ignored } : {}) };
    });
    return { correlated: results.every((r) => r !== undefined), incidents };
  }

  /**
   * HTTP semantics: an invalid single event, or a batch with nothing valid in it, is a 400 naming
   * the failing fields; otherwise the valid events are appended and the invalid ones listed.
   * `raw` is the parsed body, or its raw JSON bytes (a Buffer), parsed here: then a body that is
   * empty or not JSON is refused with InvalidJsonError, as Fastify's parser refused it. A large
   * one is prepared by an intake worker (IntakePool), which takes the bytes: the Buffer is empty
   * afterwards.
   */
  async ingestHttp(raw: unknown, correlationId: string, waitMs?: number): Promise<IngestResult> {
    // One instant for the whole request, formatted once.
    const receivedAt = systemClock.now().toISOString();
    if (isRawJson(raw) && this.pool.takes(raw)) {
      const prepared = await this.pool.prepare('canonical', raw, correlationId, receivedAt);
      return this.answer(prepared, prepared.rows.length, () => this.takeEncoded(prepared.rows, prepared.source), waitMs);
    }
    const checked = checkCanonical(bodyValue(raw), { tokenKey: this.config.tokenKey, correlationId, receivedAt });
    return this.answer(checked, checked.events.length, () => this.take(checked.events), waitMs);
  }

  /**
   * Appends rows an intake worker wrote (IntakePool), as take() would the events they hold. The
   * pool runs only with the inbox and without enrichment, the cases take() handles otherwise.
   */
  takeEncoded(rows: EncodedEntry[], source: string): Promise<Taken> {
    return this.inbox.append(rows, source).then((positions): Taken => ({ kind: 'inbox', positions }));
  }

  /** The answer to a checked canonical request, once its `valid` events are taken (`take`). */
  private async answer(checked: Omit<CanonicalChecked, 'events'>, valid: number, take: () => Promise<Taken>, waitMs: number | undefined): Promise<IngestResult> {
    const { isArray, validIndex } = checked;
    const rejected = [...checked.rejected];
    if (rejected.length > 0) this.metrics.eventsRejected('canonical', rejected.length);
    // The answer lists what a sender needs to find its mistake, not one reason per item of a flood.
    const listed = rejected.slice(0, MAX_REJECTED_LISTED);
    const unlisted = rejected.length - listed.length;
    if (valid === 0) {
      const message = isArray ? `no valid event in the array${unlisted > 0 ? ` (${rejected.length} refused; the first ${listed.length} are listed)` : ''}` : `invalid event: ${rejected[0]?.reason ?? ''}`;
      throw new InvalidInputError(message, isArray ? listed : rejected[0]?.fields);
    }
    const taken = await take().catch((error: unknown) => {
      throw commitFailure(error);
    });
    const indexOf = (i: number) => validIndex?.[i] ?? i;
    const { accepted, duplicates, setAside } = countsOf(taken);
    // Several instances commit at once: events the runtime set aside are refused alone, like invalid ones.
    if (setAside.length > 0) {
      this.metrics.eventsRejected('canonical', setAside.length);
      for (const { index, quarantine } of setAside) rejected.push({ index: indexOf(index), reason: quarantine.detail, fields: [] });
      rejected.sort((a, b) => a.index - b.index);
      if (setAside.length === valid) {
        const message = isArray ? 'no event in the array could be accepted' : `the event ${setAside[0]?.quarantine.detail ?? ''}`;
        throw new InvalidInputError(message, isArray ? rejected.slice(0, MAX_REJECTED_LISTED) : undefined);
      }
    }
    const shown = rejected.slice(0, MAX_REJECTED_LISTED);
    const more = rejected.length - shown.length;
    const answer: IngestResult = { accepted, duplicates, rejected: shown.map(({ index, reason }) => ({ index, reason })), ...(more > 0 ? { moreRejected: more } : {}) };
    return waitMs === undefined ? answer : { ...answer, ...(await this.landed(taken, waitMs, indexOf)) };
  }
}

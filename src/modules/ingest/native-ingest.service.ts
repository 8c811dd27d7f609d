import { systemClock } from '../../actors/clock.js';
import { Injectable } from '@nestjs/common';
import { CorralConfig } from '../config/corral-config.js';
import { commitFailure, InvalidInputError } from '../http/domain-errors.js';
import type { Delivery } from '../cluster/cluster-router.js';
import { countsOf, IngestService, type Taken, type WaitAnswer } from './ingest.service.js';
import { checkNative, type Admitted, type Checked } from './intake-prep.js';
import { IntakePool } from './intake-pool/intake-pool.js';
import { bodyValue, isRawJson } from './json-body.js';
import { ADAPTERS, type NativeSource } from './sources/registry.js';

export interface NativeResult extends Partial<WaitAnswer> {
  /**
   * PagerDuty only: the dedup key PagerDuty would answer with (pagerDutyDedupKey of the parsed
   * body). Not part of corral's answer: the PagerDuty route puts it in PagerDuty's own shape.
   */
  dedupKey?: string;
  accepted: number;
  duplicates: number;
  /** Well-formed source events that are not incidents (an HL7 AA, an Okta session start, …). */
  ignored: number;
  rejected: Array<{ index: number; reason: string }>;
}

export type { Admitted, Checked } from './intake-prep.js';

/** What taking a payload did, with the events the runtime set aside (several instances; NATS dead-letters them). */
export interface NativeCommitted extends NativeResult {
  quarantined: ReturnType<typeof countsOf>['setAside'];
  /** Inputs submitted: when every one was set aside, nothing of the payload was kept. */
  submitted: number;
  taken?: Taken;
}

/**
 * Native tool payloads, whichever bus carried them: check the body's shape, normalize it through
 * the source's adapter (privacy filter included), then commit like any canonical event.
 */
@Injectable()
export class NativeIngestService {
  constructor(
    private readonly ingest: IngestService,
    private readonly config: CorralConfig,
    private readonly pool: IntakePool,
  ) {}

  /** Pure checks and normalization (intake-prep.ts checkNative); nothing is committed. */
  normalize(source: NativeSource, body: unknown, correlationId: string): Checked {
    return checkNative(source, body, { tokenKey: this.config.tokenKey, receivedAt: systemClock.now(), correlationId });
  }

  /**
   * HTTP: a payload corral cannot use is a 400 naming the field; otherwise 2xx once durable. `raw`
   * is the parsed body (HL7: its text), or the body's raw bytes (a Buffer): a JSON source's are
   * parsed here (empty or not JSON: InvalidJsonError, as Fastify's parser refused it), HL7's read
   * as UTF-8 text. PagerDuty's answer carries `dedupKey`, for the route to answer with.
   */
  async ingestHttp(source: NativeSource, raw: unknown, correlationId: string, waitMs?: number): Promise<NativeResult> {
    const json = ADAPTERS[source].format === 'json';
    if (json && isRawJson(raw) && this.pool.takes(raw)) {
      // A large JSON body: prepared (parsed, normalized, admitted, written as rows) by an intake worker.
      const prepared = await this.pool.prepare(source, raw, correlationId, systemClock.now().toISOString());
      if (prepared.kind !== 'native') throw new Error('an intake worker answered a native payload as canonical');
      if (!prepared.ok) throw new InvalidInputError(prepared.reason, prepared.fields);
      const { rows, source: type, ignored, dedupKey } = prepared;
      return this.answer(() => this.settle(rows.length > 0 ? this.ingest.takeEncoded(rows, type) : undefined, ignored, rows.length), dedupKey, waitMs);
    }
    const body = isRawJson(raw) && !json ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8') : bodyValue(raw);
    const checked = this.normalize(source, body, correlationId);
    if (!checked.ok) throw new InvalidInputError(checked.reason, checked.fields);
    return this.answer(() => this.commit(checked.normalized), checked.normalized.dedupKey, waitMs);
  }

  /** The answer to a payload whose events are taken by `commit`. */
  private async answer(commit: () => Promise<NativeCommitted>, dedupKey: string | undefined, waitMs: number | undefined): Promise<NativeResult> {
    let committed: NativeCommitted;
    try {
      committed = await commit();
    } catch (error) {
      throw commitFailure(error);
    }
    const { quarantined, submitted, taken, ...counted } = committed;
    const result: NativeResult = dedupKey !== undefined ? { ...counted, dedupKey } : counted;
    // Every event of the payload set aside: refused like an invalid payload, with each one's reason.
    if (quarantined.length > 0 && quarantined.length === submitted) throw new InvalidInputError(`no event of the payload could be accepted: ${quarantined[0]?.quarantine.detail ?? ''}`, result.rejected);
    if (waitMs === undefined) return result;
    // Nothing taken (an acknowledge, an HL7 AA): nothing to wait for.
    if (!taken) return { ...result, correlated: true, incidents: [] };
    // Events first, then the resolves: numbered in that order, as they were taken.
    return { ...result, ...(await this.ingest.landed(taken, waitMs, (i) => i)) };
  }

  /**
   * Resolves once every input is durable (in the inbox; with several instances, committed or
   * forwarded); rejects (nothing kept) if that failed. A resolve that names only a child goes
   * with the events: the correlator finds the child's incident when it reaches it, after
   * everything taken before it.
   */
  commit(normalized: Admitted, delivery: Delivery = {}): Promise<NativeCommitted> {
    const { events, resolves } = normalized;
    const submitted = events.length + resolves.length;
    // One submission for the whole payload: with several instances two would commit in two batches
    // under one receipt, and the second would be refused as a duplicate delivery of the first.
    return this.settle(submitted > 0 ? this.ingest.take(events, resolves, delivery) : undefined, normalized.ignored, submitted);
  }

  /** What taking `submitted` inputs (`taking`, none when undefined) did; `ignored`: the payload's own. */
  private async settle(taking: Promise<Taken> | undefined, ignored: number, submitted: number): Promise<NativeCommitted> {
    const taken = await taking;
    const counts = taken ? countsOf(taken) : { accepted: 0, duplicates: 0, ignored: 0, setAside: [] };
    // Set aside by the runtime (several instances: refused by the database, or correlation threw): refused alone.
    const quarantined = counts.setAside;
    const rejected = quarantined.map(({ index, quarantine }) => ({ index, reason: quarantine.detail }));
    // A resolve for a child corral never saw has nothing to close (PagerDuty accepts it too): with
    // several instances it is known at once and counted as ignored; with the inbox, only once correlated.
    return { accepted: counts.accepted, duplicates: counts.duplicates, ignored: ignored + counts.ignored, rejected, quarantined, submitted, ...(taken ? { taken } : {}) };
  }
}

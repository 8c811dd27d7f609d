import { Injectable } from '@nestjs/common';
import { CorralConfig } from '../config/corral-config.js';
import { commitFailure, InvalidInputError } from '../http/domain-errors.js';
import { admit, type AdmittedEvent } from './admission.js';
import type { FieldProblem } from './canonical-intake.js';
import type { Delivery } from '../cluster/cluster-router.js';
import { countsOf, IngestService, type Taken, type WaitAnswer } from './ingest.service.js';
import { bodyValue, isRawJson } from './json-body.js';
import { nestingProblem } from './limits.js';
import type { PagerDutyNormalized } from './sources/pagerduty.js';
import type { ChildResolve } from './sources/normalize-kit.js';
import { ADAPTERS, type NativeSource } from './sources/registry.js';
import { controlPaths, holdsBrokenText, holdsControl } from './unicode.js';

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

/** A normalized payload whose events all passed admission. */
export interface Admitted {
  events: AdmittedEvent[];
  ignored: number;
  resolves: ChildResolve[];
  /** PagerDuty's dedup key of the payload (see NativeResult.dedupKey). */
  dedupKey?: string;
}

export type Checked = { ok: true; normalized: Admitted } | { ok: false; reason: string; fields: FieldProblem[] };

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
  ) {}

  /** Pure checks and normalization; nothing is committed. */
  normalize(source: NativeSource, body: unknown, correlationId: string): Checked {
    const adapter = ADAPTERS[source];
    const tooDeep = adapter.format === 'json' ? nestingProblem(body) : undefined;
    if (tooDeep) return { ok: false, reason: `body ${tooDeep.problems.join(', ')}`, fields: [tooDeep] };
    if (holdsBrokenText(body, { replacement: true })) {
      return { ok: false, reason: 'body is not valid UTF-8', fields: [{ field: 'body', problems: ['is not valid UTF-8 (bytes that are not, or an escaped surrogate without its partner)'] }] };
    }
    const normalized = adapter.normalize(body, { tokenKey: this.config.tokenKey, receivedAt: new Date(), correlationId });
    if (!normalized.ok) return { ok: false, reason: `invalid ${source} payload: ${normalized.reason}`, fields: [{ field: normalized.field, problems: [normalized.reason] }] };
    const events: AdmittedEvent[] = [];
    const fields: FieldProblem[] = [];
    normalized.events.forEach((event, index) => {
      const admission = admit(event);
      // Fields of the canonical event the adapter built; numbered when the payload made several.
      const at = normalized.events.length > 1 ? `events[${index}].` : '';
      if (admission.ok) events.push(admission.event);
      else fields.push(...admission.fields.map((f) => ({ ...f, field: `${at}${f.field}` })));
    });
    // A resolve names a child by its key; admitted like an event's codes, as the correlator makes
    // it that child's event from these fields and what the child's own admitted events stored.
    normalized.resolves.forEach((resolve) => {
      if (holdsControl(resolve.id) || holdsControl(resolve.source.system) || holdsControl(resolve.correlationId)) fields.push({ field: 'id', problems: ['must not hold control characters'] });
    });
    if (fields.length > 0) {
      // The fields above are the canonical event's; name the payload's own too, where it holds the control characters.
      const holding = adapter.format === 'json' ? controlPaths(body) : [];
      const where = holding.length > 0 ? ` (control characters at ${holding.join(', ')})` : '';
      const all = [...fields, ...holding.map((field) => ({ field, problems: ['holds a control character'] }))];
      return { ok: false, reason: `invalid ${source} payload: ${fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ')}${where}`, fields: all };
    }
    const dedupKey = (normalized as PagerDutyNormalized).dedupKey;
    return { ok: true, normalized: { events, ignored: normalized.ignored, resolves: normalized.resolves, ...(dedupKey !== undefined ? { dedupKey } : {}) } };
  }

  /**
   * HTTP: a payload corral cannot use is a 400 naming the field; otherwise 2xx once durable. `raw`
   * is the parsed body (HL7: its text), or the body's raw bytes (a Buffer): a JSON source's are
   * parsed here (empty or not JSON: InvalidJsonError, as Fastify's parser refused it), HL7's read
   * as UTF-8 text. PagerDuty's answer carries `dedupKey`, for the route to answer with.
   */
  async ingestHttp(source: NativeSource, raw: unknown, correlationId: string, waitMs?: number): Promise<NativeResult> {
    const body = isRawJson(raw) && ADAPTERS[source].format === 'text' ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8') : bodyValue(raw);
    const checked = this.normalize(source, body, correlationId);
    if (!checked.ok) throw new InvalidInputError(checked.reason, checked.fields);
    let committed: NativeCommitted;
    try {
      committed = await this.commit(checked.normalized);
    } catch (error) {
      throw commitFailure(error);
    }
    const { quarantined, submitted, taken, ...counted } = committed;
    const { dedupKey } = checked.normalized;
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
  async commit(normalized: Admitted, delivery: Delivery = {}): Promise<NativeCommitted> {
    const { events, resolves } = normalized;
    // One submission for the whole payload: with several instances two would commit in two batches
    // under one receipt, and the second would be refused as a duplicate delivery of the first.
    const taken = events.length + resolves.length > 0 ? await this.ingest.take(events, resolves, delivery) : undefined;
    const counts = taken ? countsOf(taken) : { accepted: 0, duplicates: 0, ignored: 0, setAside: [] };
    // Set aside by the runtime (several instances: refused by the database, or correlation threw): refused alone.
    const quarantined = counts.setAside;
    const rejected = quarantined.map(({ index, quarantine }) => ({ index, reason: quarantine.detail }));
    const submitted = events.length + resolves.length;
    // A resolve for a child corral never saw has nothing to close (PagerDuty accepts it too): with
    // several instances it is known at once and counted as ignored; with the inbox, only once correlated.
    return { accepted: counts.accepted, duplicates: counts.duplicates, ignored: normalized.ignored + counts.ignored, rejected, quarantined, submitted, ...(taken ? { taken } : {}) };
  }
}

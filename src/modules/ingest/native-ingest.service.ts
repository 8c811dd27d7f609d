import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Batcher } from '../../actors/batcher.js';
import type { CanonicalEvent } from '../../correlation/canonical-event.js';
import { CorralConfig } from '../config/corral-config.js';
import { commitFailure, InvalidInputError } from '../http/domain-errors.js';
import { admit, type AdmittedEvent } from './admission.js';
import type { FieldProblem } from './canonical-intake.js';
import type { Delivery } from '../cluster/cluster-router.js';
import { Inbox } from '../inbox/inbox.service.js';
import { countsOf, IngestService, type Addressed, type Taken, type WaitAnswer } from './ingest.service.js';
import { nestingProblem } from './limits.js';
import type { ChildResolve } from './sources/normalize-kit.js';
import { ADAPTERS, type NativeSource } from './sources/registry.js';
import { controlPaths, holdsBrokenText, holdsControl } from './unicode.js';

export interface NativeResult extends Partial<WaitAnswer> {
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
}

export type Checked = { ok: true; normalized: Admitted } | { ok: false; reason: string; fields: FieldProblem[] };

/** What taking a payload did, with the events the runtime set aside (several instances; NATS dead-letters them). */
export interface NativeCommitted extends NativeResult {
  quarantined: ReturnType<typeof countsOf>['setAside'];
  /** Events submitted: when every one was set aside, nothing of the payload was kept. */
  submitted: number;
  taken: Taken[];
}

/**
 * Native tool payloads, whichever bus carried them: check the body's shape, normalize it through
 * the source's adapter (privacy filter included), then commit like any canonical event.
 */
@Injectable()
export class NativeIngestService {
  constructor(
    private readonly ingest: IngestService,
    private readonly dataSource: DataSource,
    private readonly config: CorralConfig,
    private readonly batcher: Batcher,
    private readonly inbox: Inbox,
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
    // A resolve names a child by its key, which is looked up in the database before anything is submitted.
    normalized.resolves.forEach((resolve) => {
      if (holdsControl(resolve.id) || holdsControl(resolve.source.system)) fields.push({ field: 'id', problems: ['must not hold control characters'] });
    });
    if (fields.length > 0) {
      // The fields above are the canonical event's; name the payload's own too, where it holds the control characters.
      const holding = adapter.format === 'json' ? controlPaths(body) : [];
      const where = holding.length > 0 ? ` (control characters at ${holding.join(', ')})` : '';
      const all = [...fields, ...holding.map((field) => ({ field, problems: ['holds a control character'] }))];
      return { ok: false, reason: `invalid ${source} payload: ${fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ')}${where}`, fields: all };
    }
    return { ok: true, normalized: { events, ignored: normalized.ignored, resolves: normalized.resolves } };
  }

  /** HTTP: a payload corral cannot use is a 400 naming the field; otherwise 2xx once durable. */
  async ingestHttp(source: NativeSource, body: unknown, correlationId: string, waitMs?: number): Promise<NativeResult> {
    const checked = this.normalize(source, body, correlationId);
    if (!checked.ok) throw new InvalidInputError(checked.reason, checked.fields);
    let committed: NativeCommitted;
    try {
      committed = await this.commit(checked.normalized);
    } catch (error) {
      throw commitFailure(error);
    }
    const { quarantined, submitted, taken, ...result } = committed;
    // Every event of the payload set aside: refused like an invalid payload, with each one's reason.
    if (quarantined.length > 0 && quarantined.length === submitted) throw new InvalidInputError(`no event of the payload could be accepted: ${quarantined[0]?.quarantine.detail ?? ''}`, result.rejected);
    if (waitMs === undefined) return result;
    // Events first, then the resolves they addressed: numbered in that order, as they were taken.
    let offset = 0;
    const answers: WaitAnswer[] = [];
    for (const t of taken) {
      const base = offset;
      answers.push(await this.ingest.landed(t, waitMs, (i) => base + i));
      offset += t.kind === 'inbox' ? t.positions.length : t.outcomes.length;
    }
    return { ...result, correlated: answers.every((a) => a.correlated), incidents: answers.flatMap((a) => a.incidents) };
  }

  /**
   * Resolves once every event is durable (in the inbox; with several instances, committed or
   * forwarded); rejects (nothing kept) if that failed. A resolve that names only a child is
   * addressed to the incident holding it once everything taken before is correlated.
   */
  async commit(normalized: Admitted, delivery: Delivery = {}): Promise<NativeCommitted> {
    const taken: Taken[] = [];
    if (this.inbox.enabled && normalized.events.length > 0) taken.push(await this.ingest.take(normalized.events, [], delivery));
    const closing = await Promise.all(normalized.resolves.map(async (resolve, position) => {
      let addressed = await this.resolveEnvelope(resolve);
      if (!addressed) {
        // Its trigger may not be correlated yet: a trigger and its resolve taken from JetStream
        // together (a backlog after downtime), or posted back to back. Once what was taken
        // before is correlated, the child is there to be found.
        await (this.inbox.enabled ? this.inbox.settledSoFar() : this.batcher.settledSoFar());
        addressed = await this.resolveEnvelope(resolve);
      }
      return addressed && { ...addressed, position };
    }));
    const found: Addressed[] = closing.filter((c) => c !== undefined);
    // Several instances: one submission for the whole payload, as two would commit in two batches
    // under one receipt, and the second would be refused as a duplicate delivery of the first.
    if (!this.inbox.enabled && normalized.events.length + found.length > 0) taken.push(await this.ingest.take(normalized.events, found, delivery));
    else if (found.length > 0) taken.push(await this.ingest.take([], found, delivery));
    const counts = taken.map(countsOf);
    const accepted = counts.reduce((n, c) => n + c.accepted, 0);
    const duplicates = counts.reduce((n, c) => n + c.duplicates, 0);
    // A resolve for a child corral never saw has nothing to close: PagerDuty would accept it too.
    const unknown = normalized.resolves.length - found.length;
    // Set aside by the runtime (several instances: refused by the database, or correlation threw): refused alone.
    const quarantined = counts.flatMap((c) => c.setAside);
    const rejected = quarantined.map(({ index, quarantine }) => ({ index, reason: quarantine.detail }));
    const submitted = accepted + duplicates + quarantined.length;
    return { accepted, duplicates, ignored: normalized.ignored + unknown, rejected, quarantined, submitted, taken };
  }

  /**
   * A resolve that names only a child: it goes to the incident holding that child, under that
   * incident's signature, carrying the child's own system and facility.
   */
  private async resolveEnvelope(resolve: ChildResolve): Promise<{ signature: string; event: AdmittedEvent } | undefined> {
    const rows = await this.dataSource.query<Array<{ signature: string; system: string; title: string; kind: string; severity: string; facility: string | null; department: string | null; correlation_id: string }>>(
      `SELECT i.signature, i.system, i.title, c.kind, c.severity, c.facility, c.department, i.correlation_id
         FROM incident_child c JOIN incident i ON i.id = c.incident_id
        WHERE c.child_key = $1 ORDER BY i.last_seen DESC LIMIT 1`,
      [`${resolve.source.system}|${resolve.id}`],
    );
    const row = rows[0];
    if (!row) return undefined;
    // Made of the checked resolve and of what an admitted event stored: it passes, like every event.
    const admission = admit({
      id: resolve.id,
      schemaVersion: '1',
      kind: row.kind as CanonicalEvent['kind'],
      source: resolve.source,
      occurredAt: resolve.occurredAt,
      receivedAt: new Date().toISOString(),
      status: 'resolved',
      severity: row.severity as CanonicalEvent['severity'],
      system: row.system,
      symptom: row.title,
      patientImpact: false,
      correlationId: row.correlation_id,
      ...(row.facility ? { facility: row.facility } : {}),
      ...(row.department ? { department: row.department } : {}),
    });
    return admission.ok ? { signature: row.signature, event: admission.event } : undefined;
  }
}

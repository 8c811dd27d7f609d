import { systemClock } from '../../actors/clock.js';
import { Injectable, Optional } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import type { CanonicalEvent } from '../../correlation/canonical-event.js';
import { CorralConfig, type EnrichmentSettings } from '../config/corral-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import {
  asReference,
  contextOf,
  departmentPiece,
  devicePiece,
  facilityPiece,
  fieldsOf,
  isPatientBound,
  keyOf,
  linkOf,
  locationPiece,
  lookupsOf,
  type Answer,
  type KeyResult,
  type LookupRequest,
  type Piece,
  type Resource,
} from './directory-mapping.js';
import { CONTEXT_FIELDS, loadEnrichmentRules, type DirectoryType, type EnrichmentRules, type LookupKind } from './enrichment-rules.js';
import { EnrichmentLookupRepository } from './enrichment-lookup.repository.js';
import { EnrichmentMetrics } from './enrichment-metrics.js';
import { FhirDirectory, type Trace } from './fhir-directory.js';
import { noToken, SmartBackendServices, staticToken, type TokenSource } from './smart-auth.js';

const ALLOWED_FOR: Record<LookupKind, readonly DirectoryType[]> = {
  facility: ['Organization', 'Location'],
  department: ['Organization', 'HealthcareService', 'Location'],
  location: ['Location'],
  device: ['Device'],
};

/**
 * Sets `event.context` from the EHR's FHIR directory before events reach correlation. Answers are
 * cached (TTL, size bound; "not found" for a shorter TTL) and concurrent questions about the same
 * key share one lookup, so a storm of a thousand events about one facility asks the EHR once.
 * `enrich` never throws and never waits longer than FHIR_TIMEOUT_MS: whatever is not answered by
 * then counts as unavailable for these events, while the lookup goes on and fills the cache for the
 * next ones. When the EHR is down the breaker answers at once and events go on with what they carry.
 */
@Injectable()
export class Enricher {
  private readonly settings: EnrichmentSettings | undefined;
  private readonly rules: EnrichmentRules | undefined;
  private readonly directory: FhirDirectory | undefined;
  private readonly cache: LRUCache<string, Answer, LookupRequest> | undefined;
  private readonly metrics: EnrichmentMetrics | undefined;
  private readonly lookups: EnrichmentLookupRepository;

  constructor(
    config: CorralConfig,
    dataSource: DataSource,
    @Optional() @InjectPinoLogger(Enricher.name) private readonly logger?: PinoLogger,
    @Optional() metrics?: MetricsService,
  ) {
    this.lookups = new EnrichmentLookupRepository(dataSource);
    this.settings = config.enrichment;
    if (!this.settings) return;
    this.rules = loadEnrichmentRules(this.settings.rulesFile);
    this.directory = new FhirDirectory(
      { baseUrl: this.settings.fhirBaseUrl, timeoutMs: this.settings.timeoutMs, breaker: this.settings.breaker, maxConcurrent: this.settings.maxConcurrent },
      tokenSourceOf(this.settings),
    );
    this.metrics = metrics && new EnrichmentMetrics(metrics.registry, this.directory.breaker);
    this.directory.breaker.onBreak(() => this.logger?.warn({ fhir: this.settings?.fhirBaseUrl }, 'FHIR directory unreachable: enrichment paused (circuit open)'));
    this.directory.breaker.onReset(() => this.logger?.info('FHIR directory answers again: enrichment resumed (circuit closed)'));
    const negativeTtl = this.settings.cache.negativeTtlMs;
    this.cache = new LRUCache<string, Answer, LookupRequest>({
      max: this.settings.cache.max,
      ttl: this.settings.cache.ttlMs,
      // An expired name is better than none while the EHR is down: serve it, refresh behind it.
      allowStale: true,
      allowStaleOnFetchRejection: true,
      noDeleteOnFetchRejection: true,
      fetchMethod: async (_key, _stale, { options, context }) => {
        const answer = await this.lookup(context);
        if (answer.outcome !== 'found') options.ttl = negativeTtl;
        return answer;
      },
    });
  }

  get enabled(): boolean {
    return this.directory !== undefined;
  }

  /**
   * A directory resource as the EHR has it now (a FHIR Subscription's id-only notification names
   * only its URL); undefined without enrichment or when it does not exist. When the EHR does not
   * answer (timeout, breaker open, bulkhead full) it throws, so the caller can have the sender
   * try again rather than lose the change.
   */
  async readDirectory(type: DirectoryType, id: string): Promise<Resource | undefined> {
    if (!this.directory) return undefined;
    return this.directory.read(type, id, { queries: [] });
  }

  async enrich(events: CanonicalEvent[]): Promise<CanonicalEvent[]> {
    const { cache, rules, settings } = this;
    if (!cache || !rules || !settings || events.length === 0) return events;
    try {
      const asked = events.map((event) => lookupsOf(event, rules));
      const unique = new Map(asked.flat().map((request) => [keyOf(request), request]));
      const results = new Map<string, KeyResult>();
      const lookups = [...unique].map(([key, request]) =>
        cache.fetch(key, { context: request }).then(
          (answer) => void results.set(key, answer ?? { outcome: 'failed' }),
          () => void results.set(key, { outcome: 'failed' }),
        ),
      );
      await withDeadline(Promise.all(lookups), settings.timeoutMs);
      return events.map((event, i) => {
        const mine = Object.fromEntries((asked[i] ?? []).map((r) => [r.kind, results.get(keyOf(r)) ?? { outcome: 'failed' as const }]));
        const context = contextOf(mine, rules.keep);
        return context ? { ...event, context } : event;
      });
    } catch (error) {
      // Enrichment is a nicety; ingest is not. Nothing here may stop an event.
      this.logger?.error({ err: error }, 'enrichment failed; events go on without context');
      return events;
    }
  }

  /** One question to the directory, with its record. Throws when the directory could not answer. */
  private async lookup(request: LookupRequest): Promise<Answer> {
    const trace: Trace = { queries: [] };
    const at = systemClock.now();
    const started = performance.now();
    let answer: Answer | undefined;
    try {
      answer = await this.resolve(request, trace);
      this.metrics?.answered(answer);
      return answer;
    } catch (error) {
      this.metrics?.failed(error);
      throw error;
    } finally {
      // Only questions that reached the EHR are queries: an open breaker sent nothing.
      if (trace.queries.length > 0) void this.record(request, trace, answer, at, started);
    }
  }

  private async resolve(request: LookupRequest, trace: Trace): Promise<Answer> {
    const found = await this.find(request, trace);
    if (found.outcome !== 'found') return found;
    const resource = found.resource;
    const maxDepth = this.rules?.maxDepth ?? 0;
    switch (request.kind) {
      case 'facility':
        return { outcome: 'found', piece: facilityPiece(resource, await this.climb(resource, maxDepth, trace)) };
      case 'department':
        return { outcome: 'found', piece: departmentPiece(resource) };
      case 'location':
        return { outcome: 'found', piece: locationPiece([resource, ...(await this.climb(resource, maxDepth, trace))]) };
      case 'device': {
        // A patient's device: its type is all corral keeps, so nothing more is asked about it.
        if (isPatientBound(resource)) return { outcome: 'found', piece: devicePiece(resource, undefined, []) };
        const ownerRef = linkOf(resource, 'owner', ['Organization']);
        const owner = ownerRef ? await this.directory?.read(ownerRef.type, ownerRef.id, trace) : undefined;
        const locationRef = linkOf(resource, 'location', ['Location']);
        const location = locationRef ? await this.directory?.read(locationRef.type, locationRef.id, trace) : undefined;
        const chain = location ? [location, ...(await this.climb(location, maxDepth, trace))] : [];
        return { outcome: 'found', piece: devicePiece(resource, owner, chain) };
      }
      default:
        return request.kind satisfies never;
    }
  }

  /** The first configured search that finds exactly one resource; a reference value is read directly. */
  private async find(request: LookupRequest, trace: Trace): Promise<{ outcome: 'found'; resource: Resource } | { outcome: 'not-found' | 'ambiguous' }> {
    const directory = this.directory;
    if (!directory || !this.rules) return { outcome: 'not-found' };
    const ref = asReference(request.value, ALLOWED_FOR[request.kind]);
    if (ref) {
      const resource = await directory.read(ref.type, ref.id, trace);
      return resource ? { outcome: 'found', resource } : { outcome: 'not-found' };
    }
    for (const search of this.rules.lookups[request.kind]) {
      const params: Record<string, string> =
        search.by === 'identifier' ? { identifier: search.system ? `${search.system}|${request.value}` : request.value } : { 'name:exact': request.value };
      const matches = await directory.search(search.resource, params, trace);
      if (matches.length > 1) return { outcome: 'ambiguous' };
      const [match] = matches;
      if (match) return { outcome: 'found', resource: match };
    }
    return { outcome: 'not-found' };
  }

  /** `partOf` ancestors of the same type, nearest first, at most `maxDepth`, never in a loop. */
  private async climb(resource: Resource, maxDepth: number, trace: Trace): Promise<Resource[]> {
    const type = resource.resourceType as DirectoryType;
    const seen = new Set([`${type}/${String(resource.id)}`]);
    const ancestors: Resource[] = [];
    let current = resource;
    while (ancestors.length < maxDepth) {
      const ref = linkOf(current, 'partOf', [type]);
      if (!ref || seen.has(`${ref.type}/${ref.id}`)) break;
      seen.add(`${ref.type}/${ref.id}`);
      const parent = await this.directory?.read(ref.type, ref.id, trace);
      if (!parent) break;
      ancestors.push(parent);
      current = parent;
    }
    return ancestors;
  }

  private async record(request: LookupRequest, trace: Trace, answer: Answer | undefined, at: Date, started: number): Promise<void> {
    const kept: Piece = answer?.outcome === 'found' ? keptOnly(answer.piece, this.rules) : {};
    try {
      await this.lookups.insert({
        at,
        key: keyOf(request),
        resourceTypes: [...new Set(trace.queries.map((q) => q.split(/[/?]/)[0] ?? ''))],
        queries: trace.queries,
        outcome: answer?.outcome ?? 'failed',
        fieldsKept: fieldsOf(kept),
        kept,
        durationMs: Math.round(performance.now() - started),
      });
    } catch (error) {
      this.logger?.warn({ err: error, key: keyOf(request) }, 'could not record an enrichment lookup');
    }
  }
}

function keptOnly(piece: Piece, rules: EnrichmentRules | undefined): Piece {
  return Object.fromEntries(CONTEXT_FIELDS.filter((f) => rules?.keep.has(f) && piece[f] !== undefined).map((f) => [f, piece[f]]));
}

function tokenSourceOf(settings: EnrichmentSettings): TokenSource {
  const auth = settings.auth;
  switch (auth.kind) {
    case 'none':
      return noToken;
    case 'token':
      return staticToken(auth.token);
    case 'smart':
      return new SmartBackendServices({ ...auth, timeoutMs: settings.timeoutMs });
    default:
      return auth satisfies never;
  }
}

/** Waits for `work` at most `ms`; the work itself goes on. */
async function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

import { bulkhead, circuitBreaker, ConsecutiveBreaker, handleAll, type BulkheadPolicy, type CircuitBreakerPolicy } from 'cockatiel';
import { DIRECTORY_TYPES, type DirectoryType } from './enrichment-rules.js';
import type { Resource } from './directory-mapping.js';
import type { TokenSource } from './smart-auth.js';

export interface DirectorySettings {
  baseUrl: string;
  timeoutMs: number;
  breaker: { failures: number; halfOpenMs: number };
  maxConcurrent: number;
}

/** Counts what one lookup sent, for its record. */
export interface Trace {
  queries: string[];
}

/**
 * A FHIR R4 client that can only read the directory: `read` and `search` of Location, Organization,
 * HealthcareService, Device and Endpoint. Anything else is refused before a byte is sent. Every
 * request has a timeout and goes through one circuit breaker: after `failures` consecutive failures
 * (network, timeout, 5xx, 401/403) it stops asking for `halfOpenMs`, then lets one request test
 * the server. A 404 is an answer, not a failure.
 */
export class FhirDirectory {
  readonly breaker: CircuitBreakerPolicy;
  /**
   * Requests in flight at once, at most, none queued. Lookups are keyed by what senders put in
   * events (a device id, a location), so a storm of distinct values against an EHR that answers
   * slowly (but answers, so the breaker stays closed) would hold a request open for each, and write
   * a lookup record for each through the pool the commits use. One turned away here goes without
   * context, like one the deadline cut short; it sent nothing, so it is no query and has no record,
   * and it is not the EHR's failure, so the breaker does not count it.
   */
  private readonly bulkhead: BulkheadPolicy;
  private readonly base: string;

  constructor(
    private readonly settings: DirectorySettings,
    private readonly auth: TokenSource,
  ) {
    this.base = settings.baseUrl.replace(/\/+$/, '');
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: settings.breaker.halfOpenMs,
      breaker: new ConsecutiveBreaker(settings.breaker.failures),
    });
    this.bulkhead = bulkhead(settings.maxConcurrent, 0);
  }

  /** The resource, or undefined when the server says it does not exist (404/410). */
  async read(type: DirectoryType, id: string, trace: Trace): Promise<Resource | undefined> {
    const path = `${allowed(type)}/${encodeURIComponent(id)}`;
    const body = await this.get(path, trace, true);
    if (body === undefined) return undefined;
    // A server that answers a read with something else (a Bundle, a Patient) gets nothing kept.
    return body.resourceType === type && body.id === id ? body : undefined;
  }

  /** The matches of a search: only entries of the asked type and search mode `match`. */
  async search(type: DirectoryType, params: Record<string, string>, trace: Trace): Promise<Resource[]> {
    const query = new URLSearchParams({ ...params, _count: '2' }).toString();
    const body = await this.get(`${allowed(type)}?${query}`, trace, false);
    if (body?.resourceType !== 'Bundle' || !Array.isArray(body.entry)) return [];
    return (body.entry as unknown[]).flatMap((entry) => {
      if (typeof entry !== 'object' || entry === null) return [];
      const { resource, search } = entry as { resource?: unknown; search?: { mode?: unknown } };
      if (search?.mode !== undefined && search.mode !== 'match') return [];
      return isResource(resource) && resource.resourceType === type ? [resource] : [];
    });
  }

  private async get(path: string, trace: Trace, notFoundIsAnswer: boolean): Promise<Resource | undefined> {
    return this.bulkhead.execute(() => this.breaker.execute(async () => {
      trace.queries.push(path);
      const token = await this.auth.token();
      const response = await fetch(`${this.base}/${path}`, {
        headers: { accept: 'application/fhir+json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      if (notFoundIsAnswer && (response.status === 404 || response.status === 410)) {
        await response.body?.cancel();
        return undefined;
      }
      if (response.status === 401) this.auth.invalidate();
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`FHIR server answered ${response.status} to ${path.split('?')[0] ?? ''}`);
      }
      const body = (await response.json());
      if (!isResource(body)) throw new Error('FHIR server answered with something that is not a resource');
      return body;
    }));
  }
}

function allowed(type: DirectoryType): DirectoryType {
  // A type check at run time too: this is the line between corral and every chart in the EHR.
  if (!(DIRECTORY_TYPES as readonly string[]).includes(type)) throw new Error(`corral never reads ${String(type)} resources`);
  return type;
}

function isResource(value: unknown): value is Resource {
  return typeof value === 'object' && value !== null && typeof (value as { resourceType?: unknown }).resourceType === 'string';
}

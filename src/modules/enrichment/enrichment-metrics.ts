import { BrokenCircuitError, BulkheadRejectedError, CircuitState, type CircuitBreakerPolicy } from 'cockatiel';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Answer } from './directory-mapping.js';

/** What became of one question that was not answered from the cache. */
export type LookupOutcome = Answer['outcome'] | 'failed' | 'circuit-open' | 'overloaded';

/** The breaker's state as one number, so a panel can colour it and an alert can say `> 0`. */
const STATE_VALUE: Record<CircuitState, number> = {
  [CircuitState.Closed]: 0,
  [CircuitState.HalfOpen]: 1,
  [CircuitState.Open]: 2,
  [CircuitState.Isolated]: 2,
};

/**
 * Enrichment's instruments: lookups by outcome, and the FHIR breaker's state read when scraped.
 * Registered only when enrichment is on (FHIR_BASE_URL): a corral without it has no breaker to report.
 */
export class EnrichmentMetrics {
  private readonly lookups: Counter<'outcome'>;

  constructor(registry: Registry, breaker: CircuitBreakerPolicy) {
    this.lookups = new Counter({
      name: 'corral_enrichment_lookups_total',
      help: 'Directory lookups not answered from the cache, by outcome: found, not-found, ambiguous, failed (the EHR did not answer), circuit-open (not asked: breaker open), overloaded (not asked: FHIR_MAX_CONCURRENT in flight).',
      labelNames: ['outcome'],
      registers: [registry],
    });
    new Gauge({
      name: 'corral_enrichment_breaker_state',
      help: 'The FHIR directory circuit breaker: 0 closed (asking), 1 half-open (one test request), 2 open (not asking; events go on without context).',
      registers: [registry],
      collect() {
        this.set(STATE_VALUE[breaker.state]);
      },
    });
  }

  answered(answer: Answer): void {
    this.lookups.inc({ outcome: answer.outcome });
  }

  failed(error: unknown): void {
    this.lookups.inc({ outcome: error instanceof BrokenCircuitError ? 'circuit-open' : error instanceof BulkheadRejectedError ? 'overloaded' : 'failed' });
  }
}

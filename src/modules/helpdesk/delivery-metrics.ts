import { Counter, type Registry } from 'prom-client';

/** Why one delivery attempt failed, as a label: a few fixed words, never the error's text (it can quote a URL). */
export type FailureReason = 'timeout' | 'network' | 'http_4xx' | 'http_5xx' | 'http_other' | 'unconfigured' | 'publish';

/** A helpdesk answered, but not with 2xx. */
export class DeliveryRefused extends Error {
  constructor(
    readonly status: number,
    destination: string,
    /** What the helpdesk said was wrong (its own error message, cut short): for the operator reading the dead letter. */
    said?: string,
    /** How long the helpdesk asked to be left alone (`Retry-After` on a 429 or 503). */
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status} from ${destination}${said ? `: ${said}` : ''}`);
  }
}

/** A destination in the outbox that the helpdesk file no longer names. */
export class DestinationGone extends Error {}

/**
 * The relay's instruments. Destinations are labelled by their configured name (`nats`,
 * `webhook:<name>`, `oncall:<name>`), never by URL: a URL may carry a token, and the names are few.
 */
export class DeliveryMetrics {
  private readonly sent: Counter<'destination'>;
  private readonly failures: Counter<'destination' | 'reason'>;
  private readonly retries: Counter<'destination'>;
  private readonly dead: Counter<'destination'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.sent = new Counter({
      name: 'corral_helpdesk_deliveries_sent_total',
      help: 'Ticket events delivered (a run of merged updates counts once), by destination.',
      labelNames: ['destination'],
      registers,
    });
    this.failures = new Counter({
      name: 'corral_helpdesk_delivery_failures_total',
      help: 'Failed delivery attempts, by destination and reason (timeout, network, http_4xx, http_5xx, http_other, unconfigured, publish).',
      labelNames: ['destination', 'reason'],
      registers,
    });
    this.retries = new Counter({
      name: 'corral_helpdesk_delivery_retries_total',
      help: 'Failed delivery attempts scheduled to be tried again (with backoff), by destination.',
      labelNames: ['destination'],
      registers,
    });
    this.dead = new Counter({
      name: 'corral_helpdesk_deliveries_dead_total',
      help: 'Deliveries given up after their destination’s maxAttempts: each blocks its lane until retried or skipped.',
      labelNames: ['destination'],
      registers,
    });
  }

  delivered(destination: string): void {
    this.sent.inc({ destination });
  }

  failed(destination: string, error: unknown, willRetry: boolean): void {
    this.failures.inc({ destination, reason: reasonOf(destination, error) });
    if (willRetry) this.retries.inc({ destination });
    else this.dead.inc({ destination });
  }
}

function reasonOf(destination: string, error: unknown): FailureReason {
  if (error instanceof DeliveryRefused) return error.status >= 500 ? 'http_5xx' : error.status >= 400 ? 'http_4xx' : 'http_other';
  if (error instanceof DestinationGone) return 'unconfigured';
  // AbortSignal.timeout aborts fetch with a DOMException named TimeoutError (by name: a DOMException
  // is not an `Error` instance in every realm).
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return 'timeout';
  return destination.includes(':') ? 'network' : 'publish';
}

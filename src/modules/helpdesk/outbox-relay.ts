import { systemClock } from '../../actors/clock.js';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { carriesDetails, mergeUpdates, type TicketEvent } from '../../correlation/tickets.js';
import { MESSAGE_BUS, type MessageBus } from '../bus/message-bus.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { PartitionOwnership } from '../cluster/partition-ownership.js';
import { OWNERSHIP } from '../cluster/tokens.js';
import { CorralConfig } from '../config/corral-config.js';
import { DeliveryMetrics, DeliveryRefused, DestinationGone } from './delivery-metrics.js';
import { formatFor } from './formats.js';
import { HelpdeskConnectors } from './connectors/connectors.js';
import { helpdeskOf, NATS_DESTINATION, targetOf, type HelpdeskConfig } from './helpdesk-config.js';
import { HelpdeskTicketsRepository } from './helpdesk-tickets.repository.js';
import { OutboxRepository, type PendingDelivery, type Sent } from './outbox.repository.js';
import { signBody } from './signature.js';
import { HELPDESK } from './tokens.js';
import { clampText, withoutControls } from '../ingest/unicode.js';

const NATS_MAX_ATTEMPTS = 1000;
/** Rows of a lane read behind an update at its head, to merge with it: a pass reads at most lanesPerPass × RUN_ROWS rows. */
const RUN_ROWS = 10;
const CONCURRENCY = 8;
const encoder = new TextEncoder();

/**
 * Delivers the outbox: per destination and incident strictly in order (a later event waits while
 * an earlier one is retried), consecutive `ticket.updated` events merged into one, failures retried
 * with exponential backoff and jitter until a destination's attempt limit, then `dead` (listed by
 * GET /v1/deliveries and retried from there). Publishing to NATS carries the event key as
 * Nats-Msg-Id; a webhook receiver deduplicates by the same key, so a relay that dies after sending
 * but before marking sent causes no duplicate ticket.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboxRelay');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  /**
   * Lanes one pass delivers at most (a pass starts every RELAY_POLL_MS): 1,000 four times a second
   * is well above a storm's new tickets (about 75 a second in README's 120 s storm). Tests lower it
   * to fill a pass with a few lanes.
   */
  lanesPerPass = 1000;
  private readonly deliveries: DeliveryMetrics;

  constructor(
    private readonly outbox: OutboxRepository,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(HELPDESK) private readonly helpdesk: HelpdeskConfig,
    private readonly config: CorralConfig,
    private readonly metrics: MetricsService,
    private readonly helpdeskTickets: HelpdeskTicketsRepository,
    private readonly connectors: HelpdeskConnectors,
    /** Several instances: each relays the incidents of the partitions it owns, so lanes never run twice. */
    @Inject(OWNERSHIP) private readonly ownership: PartitionOwnership | null = null,
  ) {
    this.deliveries = new DeliveryMetrics(metrics.registry);
  }

  onApplicationBootstrap(): void {
    this.metrics.bindOutboxDepth(() => this.depth());
    const blocked = () => this.blockedLanes();
    new Gauge({
      name: 'corral_outbox_blocked_lanes',
      help: 'Delivery lanes (destination × incident) held by a dead delivery until an operator retries or skips it.',
      registers: [this.metrics.registry],
      async collect() {
        this.set(await blocked());
      },
    });
    this.timer = setInterval(() => void this.pass(), this.config.helpdesk.relayPollMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One delivery pass; concurrent calls share it. Returns how many events were delivered. */
  pass(): Promise<number> {
    this.running ??= this.deliverDue()
      .catch((error: unknown) => {
        this.logger.warn(`relay pass failed, will retry: ${String(error)}`);
        return 0;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async depth(): Promise<number> {
    return this.outbox.pendingCount();
  }

  async blockedLanes(): Promise<number> {
    return this.outbox.blockedLaneCount();
  }

  private async deliverDue(): Promise<number> {
    const { ownership } = this;
    const owned = ownership && !ownership.ownsAll() ? ownership.owned() : undefined;
    if (owned?.length === 0) return 0;
    const rows = await this.outbox.dueLanes(this.lanesPerPass, RUN_ROWS, ownership?.partitions ?? 1, owned ?? null);
    const lanes = new Map<string, PendingDelivery[]>();
    for (const row of rows) {
      const lane = `${row.destination}|${row.incident_id}`;
      const queued = lanes.get(lane);
      if (queued) queued.push(row);
      else lanes.set(lane, [row]);
    }
    const due = [...lanes.values()];
    let delivered = 0;
    for (let i = 0; i < due.length; i += CONCURRENCY) {
      // allSettled: a lane whose failure could not be recorded must not keep its siblings' sends unrecorded.
      const results = await Promise.allSettled(due.slice(i, i + CONCURRENCY).map((lane) => this.deliverHead(lane)));
      const sent = results.flatMap((r) => (r.status === 'fulfilled' && r.value !== undefined ? [r.value] : []));
      await this.markSent(sent);
      const unrecorded = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (unrecorded) this.logger.warn(`could not record a failed delivery, it will be tried again: ${String(unrecorded.reason)}`);
      delivered += sent.length;
    }
    return delivered;
  }

  /**
   * A group's deliveries, recorded together (OutboxRepository.markSent). Dying before it only means
   * those events are sent again, which receivers deduplicate.
   */
  private async markSent(sent: Sent[]): Promise<void> {
    if (sent.length === 0) return;
    await this.outbox.markSent(sent);
  }

  /** Sends the head of one lane (merged with the updates right behind it); a failure is recorded here, a success by markSent. */
  private async deliverHead(lane: PendingDelivery[]): Promise<Sent | undefined> {
    const head = lane[0];
    const run = [head];
    // A run of updates goes out as one; an update with details of its own (a new queue, say) ends
    // it, so the merged event, which carries the last one's details, loses none.
    if (head.type === 'ticket.updated' && !carriesDetails(head.payload)) {
      for (const next of lane.slice(1)) {
        if (next.type !== 'ticket.updated') break;
        run.push(next);
        if (carriesDetails(next.payload)) break;
      }
    }
    const last = run.at(-1) as PendingDelivery;
    const ticket = mergeUpdates(run.map((r) => r.payload));
    try {
      await this.send(head.destination, ticket);
      this.deliveries.delivered(head.destination);
      // From the first event to the ticket leaving corral: what the helpdesk feels. Wall time on
      // both ends (the sender stamped the event), so the system clock, not the runtime's Clock.
      if (ticket.type === 'ticket.opened' && head.destination === NATS_DESTINATION) {
        this.metrics.eventToTicket.observe(Math.max(0, (systemClock.now().getTime() - Date.parse(ticket.incident.firstSeen)) / 1000));
      }
      return { outboxId: last.outbox_id, destination: head.destination, superseded: run.slice(0, -1).map((r) => r.outbox_id) };
    } catch (error) {
      const attempts = head.attempts + 1;
      const max = head.destination === NATS_DESTINATION ? NATS_MAX_ATTEMPTS : ((targetOf(this.helpdesk, head.destination) ?? helpdeskOf(this.helpdesk, head.destination))?.maxAttempts ?? 1);
      const reason = error instanceof Error ? error.message : String(error);
      // A helpdesk that said when to come back (429, 503 with Retry-After) is not asked sooner.
      const retryInMs = Math.max(this.backoff(attempts), error instanceof DeliveryRefused ? (error.retryAfterMs ?? 0) : 0);
      await this.outbox.recordFailure(head.outbox_id, head.destination, { attempts, error: clampText(withoutControls(reason, '\uFFFD'), 500), dead: attempts >= max, retryInMs });
      this.deliveries.failed(head.destination, error, attempts < max);
      if (attempts >= max) this.logger.error(`${head.destination}: ${ticket.eventKey} is dead after ${attempts} attempts (${reason}); its lane is blocked until it is retried (POST /v1/deliveries/retry, or corral deliveries retry) or skipped (POST /v1/deliveries/skip, or corral deliveries skip)`);
      else this.logger.warn(`${head.destination}: ${ticket.eventKey} failed (${reason}); attempt ${attempts + 1} in ${retryInMs} ms or so`);
      return undefined;
    }
  }

  private async send(destination: string, ticket: TicketEvent): Promise<void> {
    if (destination === NATS_DESTINATION) {
      const subject = ticket.type === 'ticket.escalated' ? this.bus.subjects.oncall(ticket.incident.queue) : this.bus.subjects.tickets(ticket.incident.queue);
      await this.bus.publish(subject, encoder.encode(JSON.stringify(ticket)), { msgId: ticket.eventKey });
      return;
    }
    if (destination.startsWith('helpdesk:')) return this.sendToHelpdesk(destination, ticket);
    const target = targetOf(this.helpdesk, destination);
    if (!target) throw new DestinationGone(`destination ${destination} is no longer configured`);
    const body = JSON.stringify(formatFor(target, ticket, this.helpdesk.publicUrl));
    const response = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-corral-event-key': ticket.eventKey,
        'x-corral-event-type': ticket.type,
        'idempotency-key': ticket.eventKey,
        ...(target.secret ? { 'x-corral-signature': signBody(target.secret, body) } : {}),
      },
      body,
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new DeliveryRefused(response.status, target.name);
  }

  /**
   * A helpdesk written through its own API: the incident's ticket there is looked up (kept when the
   * connector created it), the event applied to it, and a new ticket kept before the delivery counts
   * as sent, so every later event updates that ticket and none creates a second.
   */
  private async sendToHelpdesk(destination: string, ticket: TicketEvent): Promise<void> {
    const connector = this.connectors.of(destination)?.connector;
    if (!connector) throw new DestinationGone(`destination ${destination} is no longer configured`);
    const known = await this.helpdeskTickets.find(destination, ticket.incident.id);
    // The helpdesk's own agent did this (its callback): telling it back would be an echo.
    const external = await connector.apply(ticket, known, ticket.details.origin === destination);
    if (!known && external) await this.helpdeskTickets.save({ destination, incidentId: ticket.incident.id, ...external });
  }

  /** Exponential backoff with "equal jitter": between half and all of base·2^(n-1), capped. */
  private backoff(attempts: number): number {
    const ceiling = Math.min(this.helpdesk.backoffMaxMs, this.helpdesk.backoffBaseMs * 2 ** (attempts - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }
}

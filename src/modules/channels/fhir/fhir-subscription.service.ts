import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Clock } from '../../../actors/clock.js';
import { CorralConfig } from '../../config/corral-config.js';
import { Enricher } from '../../enrichment/enricher.js';
import { commitFailure, InvalidInputError, NotFoundError, UnavailableError } from '../../http/domain-errors.js';
import { CLOCK } from '../../runtime/tokens.js';
import { ChannelIntake } from '../channel-intake.js';
import { eventForResource, type CanonicalInput } from './fhir-events.js';
import { readNotification } from './fhir-notification.js';
import type { FhirSubscriptionConfig } from './fhir-subscription-config.js';

/** What corral answers a notification with (the server only needs a 2xx; an operator reads the rest). */
export interface NotificationAnswer {
  accepted: number;
  duplicates: number;
  /** Resources or notifications with nothing to take, each with why. */
  ignored: Array<{ resource?: string; reason: string }>;
}

/** Device and Endpoint are directory types the enrichment client may read; DeviceMetric is not. */
const READABLE = new Set(['Device', 'Endpoint']);
/** Id-only entries read back one after another (the client's bulkhead turns a crowd away): a bound on one request's work. */
const MAX_READ_BACK = 50;

/**
 * A FHIR server's Subscription rest-hook (README "FHIR Subscription"): device and endpoint state
 * changes become alerts like any monitoring tool's, through the same intake and privacy filter.
 * An id-only notification is read back from the EHR through the enrichment client, which can
 * only read directory types, so the channel can never fetch a chart.
 */
@Injectable()
export class FhirSubscriptionService {
  private readonly logger = new Logger('FhirSubscription');
  private readonly settings: FhirSubscriptionConfig | undefined;

  constructor(
    config: CorralConfig,
    private readonly intake: ChannelIntake,
    private readonly enricher: Enricher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    this.settings = config.channels.fhirSubscription;
  }

  async take(body: unknown, correlationId: string, addressed?: { type: string; id: string }): Promise<NotificationAnswer> {
    const settings = this.settings;
    if (!settings) throw new NotFoundError('the FHIR Subscription channel is off: add a fhirSubscription section to the channels file (CORRAL_CHANNELS_FILE)');
    const notification = readNotification(body);
    if (notification.kind === 'invalid') throw new InvalidInputError(notification.reason);
    if (notification.kind !== 'event') {
      const reason = notification.kind === 'empty' ? 'an empty notification names no resource: set the Subscription payload to full-resource (or id-only)' : `a ${notification.kind}: nothing to take`;
      return { accepted: 0, duplicates: 0, ignored: [{ reason }] };
    }
    if (addressed) {
      const [resource] = notification.resources;
      if (notification.resources.length !== 1 || resource?.resourceType !== addressed.type || resource.id !== addressed.id) throw new InvalidInputError(`the body must be the ${addressed.type} ${addressed.id} the URL names`);
    }
    const ignored: NotificationAnswer['ignored'] = [];
    const resources = [...notification.resources];
    if (notification.references.length > MAX_READ_BACK) throw new InvalidInputError(`an id-only notification names ${notification.references.length} resources; corral reads back at most ${MAX_READ_BACK} per notification: lower the Subscription's batch size, or use full-resource`);
    for (const reference of notification.references) resources.push(...(await this.readBack(reference, ignored)));
    const receivedAt = this.clock.now().toISOString();
    const events: CanonicalInput[] = [];
    for (const resource of resources) {
      const mapped = eventForResource(resource, settings, receivedAt);
      const name = `${String(resource.resourceType)}/${typeof resource.id === 'string' ? resource.id.slice(0, 64) : '?'}`;
      if (mapped.ok) events.push(mapped.event);
      else ignored.push({ resource: name, reason: mapped.reason });
    }
    if (events.length === 0) return { accepted: 0, duplicates: 0, ignored };
    let taken;
    try {
      taken = await this.intake.batch('canonical', events, correlationId);
    } catch (error) {
      // The server retries a notification that failed: nothing of it was kept.
      throw commitFailure(error);
    }
    for (const refused of taken.refused) ignored.push({ resource: String((events[refused.index]?.labels as { fhirResource?: string } | undefined)?.fhirResource ?? refused.index), reason: refused.reason });
    if (ignored.length > 0) this.logger.log(`FHIR notification: ${taken.accepted} taken, ${ignored.length} not (${ignored[0]?.reason ?? ''})`);
    return { accepted: taken.accepted, duplicates: taken.duplicates, ignored };
  }

  /**
   * An id-only entry's resource, read from the EHR: none (listed as ignored, with why) when corral
   * may not or cannot read it; a 503 when the EHR does not answer, so the server sends the
   * notification again instead of the change being lost.
   */
  private async readBack(reference: { type: string; id: string }, ignored: NotificationAnswer['ignored']): Promise<Array<Record<string, unknown>>> {
    const name = `${reference.type}/${reference.id}`;
    if (!this.enricher.enabled) {
      ignored.push({ resource: name, reason: 'id-only, and corral has no FHIR_BASE_URL to read it from: set the Subscription payload to full-resource' });
      return [];
    }
    if (!READABLE.has(reference.type)) {
      ignored.push({ resource: name, reason: `id-only, and corral may not read ${reference.type} (only Device and Endpoint): use full-resource` });
      return [];
    }
    let read;
    try {
      read = await this.enricher.readDirectory(reference.type as 'Device' | 'Endpoint', reference.id);
    } catch {
      throw new UnavailableError(`the EHR did not answer a read of ${name}; send the notification again`, 30);
    }
    if (!read) ignored.push({ resource: name, reason: 'id-only, and the EHR has no such resource' });
    return read ? [read] : [];
  }
}

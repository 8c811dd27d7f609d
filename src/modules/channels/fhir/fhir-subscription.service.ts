import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Clock } from '../../../actors/clock.js';
import { CorralConfig } from '../../config/corral-config.js';
import { Enricher } from '../../enrichment/enricher.js';
import { commitFailure, InvalidInputError, NotFoundError } from '../../http/domain-errors.js';
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
    for (const reference of notification.references) {
      const read = READABLE.has(reference.type) && this.enricher.enabled ? await this.enricher.readDirectory(reference.type as 'Device' | 'Endpoint', reference.id) : undefined;
      if (read) resources.push(read);
      else ignored.push({ resource: `${reference.type}/${reference.id}`, reason: this.enricher.enabled ? 'id-only, and the EHR did not answer a read of it (or corral may not read that type)' : 'id-only, and corral has no FHIR_BASE_URL to read it from: set the Subscription payload to full-resource' });
    }
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
}

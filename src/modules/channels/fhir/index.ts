import { EnrichmentModule } from '../../enrichment/enrichment.module.js';
import type { ChannelParts } from '../channel-parts.js';
import { FhirSubscriptionController } from './fhir-subscription.controller.js';
import { FhirSubscriptionService } from './fhir-subscription.service.js';

/** FHIR Subscription rest-hook notifications (Device, DeviceMetric, Endpoint) as alerts. */
export const FHIR_CHANNEL: ChannelParts = { controllers: [FhirSubscriptionController], providers: [FhirSubscriptionService], imports: [EnrichmentModule] };

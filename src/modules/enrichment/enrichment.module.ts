import { Module } from '@nestjs/common';
import { Enricher } from './enricher.js';

/** FHIR directory enrichment (README "Enrichment"); inert without FHIR_BASE_URL. */
@Module({ providers: [Enricher], exports: [Enricher] })
export class EnrichmentModule {}

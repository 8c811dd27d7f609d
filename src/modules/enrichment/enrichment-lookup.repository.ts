import type { DataSource, Repository } from 'typeorm';
import { EnrichmentLookupRow } from './enrichment-lookup.entity.js';

/** The enrichment_lookup table: one row per FHIR lookup, what was asked and what was kept (the FHIR audit). */
export class EnrichmentLookupRepository {
  constructor(private readonly db: DataSource) {}

  async insert(row: Parameters<Repository<EnrichmentLookupRow>['insert']>[0]): Promise<void> {
    await this.db.getRepository(EnrichmentLookupRow).insert(row);
  }
}
